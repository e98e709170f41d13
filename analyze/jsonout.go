package analyze

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// WriteJSON writes s as indented JSON (two spaces, a newline at the end):
// the bytes of a json.Encoder with SetIndent("", "  "), written as they
// are made. The Encoder builds the whole document in memory first, which
// for a flood's Summary (five lists of DefaultKeys keys) is over 100 MB on
// top of the Summary itself; here only one list entry is held at a time.
//
// The document's "format" is always FormatVersion, whatever s.Format holds.
func WriteJSON(w io.Writer, s *Summary) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	v := *s // a shallow copy: the lists are shared, not copied
	v.Format = FormatVersion
	if err := streamJSON(bw, reflect.ValueOf(&v).Elem(), ""); err != nil {
		return err
	}
	if err := bw.WriteByte('\n'); err != nil {
		return err
	}
	return bw.Flush()
}

// streamMin is the length from which a slice is written an element at a
// time; shorter ones are marshalled whole. Tests set it to 0.
var streamMin = 64

// streamJSON writes v at the given indentation. Structs are written field
// by field and long slices element by element; everything else, and every
// element, is left to encoding/json. Summary types have no custom
// marshallers, and their tags use only names and omitempty, which is all
// this needs to know of encoding/json's rules.
func streamJSON(w *bufio.Writer, v reflect.Value, indent string) error {
	switch {
	case v.Kind() == reflect.Struct:
		return streamStruct(w, v, indent)
	case v.Kind() == reflect.Slice && !v.IsNil() && v.Len() > 0 && v.Len() >= streamMin:
		inner := indent + "  "
		w.WriteString("[\n")
		for i := range v.Len() {
			if i > 0 {
				w.WriteString(",\n")
			}
			w.WriteString(inner)
			if err := streamJSON(w, v.Index(i), inner); err != nil {
				return err
			}
		}
		w.WriteString("\n" + indent + "]")
		return nil
	}
	b, err := json.MarshalIndent(v.Interface(), indent, "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func streamStruct(w *bufio.Writer, v reflect.Value, indent string) error {
	t := v.Type()
	inner := indent + "  "
	n := 0
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fv := v.Field(i)
		switch opts {
		case "":
		case "omitempty":
			if isEmptyJSON(fv) {
				continue
			}
		default:
			return fmt.Errorf("WriteJSON: field %s has json options %q", f.Name, opts)
		}
		if n == 0 {
			w.WriteString("{\n")
		} else {
			w.WriteString(",\n")
		}
		n++
		key, _ := json.Marshal(name)
		w.WriteString(inner)
		w.Write(key)
		w.WriteString(": ")
		if err := streamJSON(w, fv, inner); err != nil {
			return err
		}
	}
	if n == 0 {
		_, err := w.WriteString("{}")
		return err
	}
	_, err := w.WriteString("\n" + indent + "}")
	return err
}

// isEmptyJSON is encoding/json's test for omitempty.
func isEmptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
