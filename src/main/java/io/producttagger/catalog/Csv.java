package io.producttagger.catalog;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks. */
final class Csv {

    private Csv() {}

    /** Encodes one record, ending in a line feed. */
    static String encode(List<String> fields) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            String f = fields.get(i) == null ? "" : fields.get(i);
            boolean quote = f.indexOf(',') >= 0 || f.indexOf('"') >= 0 || f.indexOf('\n') >= 0
                    || f.indexOf('\r') >= 0 || (!f.isEmpty() && (f.charAt(0) == ' ' || f.charAt(f.length() - 1) == ' '));
            if (quote) {
                sb.append('"').append(f.replace("\"", "\"\"")).append('"');
            } else {
                sb.append(f);
            }
        }
        return sb.append('\n').toString();
    }

    /** Parses one whole record (its trailing line break optional). */
    static List<String> parse(String record) {
        List<String> r = new RecordReader(new java.io.StringReader(record)).next();
        return r == null ? List.of("") : r;
    }

    /** Reads records one at a time from a character stream. */
    static final class RecordReader {
        private final Reader in;
        private int peeked = -2;

        RecordReader(Reader in) {
            this.in = in;
        }

        /** Returns the next record, or null at the end. Blank lines are skipped. */
        List<String> next() {
            try {
                while (true) {
                    int c = read();
                    if (c == -1) {
                        return null;
                    }
                    if (c == '\n') {
                        continue;
                    }
                    if (c == '\r') {
                        continue;
                    }
                    unread(c);
                    return record();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private List<String> record() throws IOException {
            List<String> fields = new ArrayList<>();
            StringBuilder f = new StringBuilder();
            boolean quoted = false;
            boolean fieldStart = true;
            while (true) {
                int c = read();
                if (quoted) {
                    if (c == -1) {
                        fields.add(f.toString());
                        return fields;
                    }
                    if (c == '"') {
                        int d = read();
                        if (d == '"') {
                            f.append('"');
                        } else {
                            quoted = false;
                            unread(d);
                        }
                    } else {
                        f.append((char) c);
                    }
                    continue;
                }
                if (c == -1 || c == '\n') {
                    fields.add(f.toString());
                    return fields;
                }
                if (c == '\r') {
                    int d = read();
                    if (d != '\n') {
                        unread(d);
                    }
                    fields.add(f.toString());
                    return fields;
                }
                if (c == ',') {
                    fields.add(f.toString());
                    f.setLength(0);
                    fieldStart = true;
                    continue;
                }
                if (c == '"' && fieldStart) {
                    quoted = true;
                    fieldStart = false;
                    continue;
                }
                fieldStart = false;
                f.append((char) c);
            }
        }

        private int read() throws IOException {
            if (peeked != -2) {
                int c = peeked;
                peeked = -2;
                return c;
            }
            return in.read();
        }

        private void unread(int c) {
            peeked = c;
        }
    }
}
