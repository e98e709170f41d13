package analyze

// ftpObjMerger merges the FTP transfers of Summaries: the lists are
// joined, ordered by time as one capture's, and cut to one capture's bound.
type ftpObjMerger struct {
	objs    []FTPObject
	total   int64
	skipped map[string]int64
	cut     int64
}

func newFTPObjMerger() ftpObjMerger {
	return ftpObjMerger{objs: []FTPObject{}, skipped: map[string]int64{}}
}

func (m *ftpObjMerger) add(f *FTP) {
	m.total += f.ObjectsTotal
	addCounts(m.skipped, f.ObjectsSkipped)
	m.objs = append(m.objs, f.Objects...)
	if len(m.objs) > 2*maxFTPObjects { // twice the bound at most is held
		m.trim()
	}
}

func (m *ftpObjMerger) trim() {
	sortFTPObjects(m.objs)
	keep, names := 0, 0
	for keep < len(m.objs) && keep < maxFTPObjects && names+len(m.objs[keep].Name) <= maxFTPNameBytes {
		names += len(m.objs[keep].Name)
		keep++
	}
	if keep < len(m.objs) {
		m.cut += int64(len(m.objs) - keep)
		m.objs = append(m.objs[:0:0], m.objs[:keep]...)
	}
}

func (m *ftpObjMerger) result(f *FTP) {
	m.trim()
	f.Objects, f.ObjectsTotal = m.objs, m.total
	m.skipped["objects_not_listed"] += m.cut
	f.ObjectsSkipped = cutCounts(m.skipped)
}
