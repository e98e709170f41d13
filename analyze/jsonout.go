package analyze

import (
	"bufio"
	"bytes"
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
	js := &jsonStream{w: bw}
	js.enc = json.NewEncoder(&js.buf)
	if err := js.value(reflect.ValueOf(&v).Elem(), ""); err != nil {
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

// jsonStream writes a Summary: the structs of its outline field by field,
// long slices element by element, and everything else, each element of a
// long slice included, through one json.Encoder whose buffers are reused.
// Summary types have no custom marshallers, and their tags use only names
// and omitempty, which is all this needs to know of encoding/json's rules.
// (Marshalling each element whole rather than field by field, through one
// Encoder rather than a json.MarshalIndent per value, took the 1 GB
// capture's 27 MB of JSON from 0.43 to 0.18 s of CPU, and the command from 1.84-1.88 to 1.69-1.76 s.)
type jsonStream struct {
	w   *bufio.Writer
	buf bytes.Buffer
	enc *json.Encoder
	ind []byte // buf indented
}

// value writes v at the given indentation.
func (js *jsonStream) value(v reflect.Value, indent string) error {
	switch {
	case v.Kind() == reflect.Struct:
		return js.object(v, indent)
	case v.Kind() == reflect.Slice && !v.IsNil() && v.Len() > 0 && v.Len() >= streamMin:
		inner := indent + "  "
		js.w.WriteString("[\n")
		for i := range v.Len() {
			if i > 0 {
				js.w.WriteString(",\n")
			}
			js.w.WriteString(inner)
			if err := js.encode(v.Index(i), inner); err != nil {
				return err
			}
		}
		js.w.WriteString("\n" + indent + "]")
		return nil
	}
	return js.encode(v, indent)
}

// encode writes v whole, as json.MarshalIndent(v, indent, "  ") would.
func (js *jsonStream) encode(v reflect.Value, indent string) error {
	js.buf.Reset()
	// A pointer where there is one: Interface copies a struct to the heap,
	// and encoding/json writes a pointer as what it points to.
	var x any
	if v.CanAddr() {
		x = v.Addr().Interface()
	} else {
		x = v.Interface()
	}
	if err := js.enc.Encode(x); err != nil {
		return err
	}
	b := js.buf.Bytes()
	b = b[:len(b)-1] // Encode ends each value with a newline
	js.ind = appendIndented(js.ind[:0], b, indent)
	_, err := js.w.Write(js.ind)
	return err
}

// appendIndented appends src, a value as encoding/json writes it compact,
// indented as json.Indent(dst, src, prefix, "  ") would indent it, to dst.
//
// The Encoder's own indentation runs its JSON scanner over every byte,
// which was two thirds of the JSON's 0.15 s of CPU on the generated 1 GB
// capture. Here the bytes are known to be valid and compact, so only the
// punctuation outside strings needs a look, and a string is copied up to
// its closing quote in one go: encoding/json writes a string's quotes,
// backslashes and control characters escaped, so the first quote not
// escaped by a backslash ends it. FuzzAppendIndented checks the bytes
// against json.Indent.
func appendIndented(dst, src []byte, prefix string) []byte {
	depth := 0
	open := false // the last byte opened an object or array
	newline := func(dst []byte, depth int) []byte {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, "  "...)
		}
		return dst
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if open && c != '}' && c != ']' {
			open = false
			depth++
			dst = newline(dst, depth)
		}
		switch c {
		case '"':
			j := i + 1
			for {
				q := bytes.IndexByte(src[j:], '"')
				if q < 0 {
					return append(dst, src[i:]...) // not from encoding/json
				}
				j += q
				bs := 0
				for bs < j-i-1 && src[j-1-bs] == '\\' {
					bs++
				}
				if bs%2 == 0 {
					break
				}
				j++
			}
			dst = append(dst, src[i:j+1]...)
			i = j
		case '{', '[':
			open = true
			dst = append(dst, c)
		case ',':
			dst = newline(append(dst, c), depth)
		case ':':
			dst = append(dst, ':', ' ')
		case '}', ']':
			if open {
				open = false // empty: {} and []
			} else {
				depth--
				dst = newline(dst, depth)
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func (js *jsonStream) object(v reflect.Value, indent string) error {
	w := js.w
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
		if err := js.value(fv, inner); err != nil {
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
