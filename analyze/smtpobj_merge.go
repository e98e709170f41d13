package analyze

// smtpObjMerger merges the SMTP attachments of Summaries: the lists are
// joined, ordered by time as one capture's, and cut to one capture's bound.
type smtpObjMerger struct {
	objs     []SMTPObject
	messages int64
	total    int64
	skipped  map[string]int64
	cut      int64
}

func newSMTPObjMerger() smtpObjMerger {
	return smtpObjMerger{objs: []SMTPObject{}, skipped: map[string]int64{}}
}

func (m *smtpObjMerger) add(f *SMTP) {
	m.messages += f.Messages
	m.total += f.ObjectsTotal
	addCounts(m.skipped, f.ObjectsSkipped)
	n := len(m.objs)
	m.objs = append(m.objs, f.Objects...)
	for i := n; i < len(m.objs); i++ {
		if m.objs[i].RcptTo == nil { // a Summary written before the envelope was
			m.objs[i].RcptTo = []string{}
		}
	}
	if len(m.objs) > 2*maxSMTPObjects { // twice the bound at most is held
		m.trim()
	}
}

func (m *smtpObjMerger) trim() {
	sortSMTPObjects(m.objs)
	keep, text := 0, 0
	for keep < len(m.objs) && keep < maxSMTPObjects && text+smtpText(&m.objs[keep]) <= maxSMTPTextBytes {
		text += smtpText(&m.objs[keep])
		keep++
	}
	if keep < len(m.objs) {
		m.cut += int64(len(m.objs) - keep)
		m.objs = append(m.objs[:0:0], m.objs[:keep]...)
	}
}

func (m *smtpObjMerger) result(f *SMTP) {
	m.trim()
	f.Messages, f.Objects, f.ObjectsTotal = m.messages, m.objs, m.total
	m.skipped["objects_not_listed"] += m.cut
	f.ObjectsSkipped = cutCounts(m.skipped)
}
