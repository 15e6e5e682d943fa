package io.producttagger.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code multipart/form-data} body (RFC 7578) read strictly from bytes already in memory: file parts are the
 * images, other parts are short option fields.
 *
 * <p>The classify route parses multipart itself instead of through Netty's decoder, because that decoder
 * answered malformed bodies (an empty boundary, a part without {@code Content-Disposition}, a header line
 * without a colon, a 1 MB field, a thousand parts) with exceptions that became 500s or closed connections, and
 * spooled every part to a temporary file before the part count could be checked. Here a malformed body is a 400
 * saying what is wrong, too many images is a 413 as soon as the limit is passed, and nothing touches the disk.
 *
 * @param files the file parts (those with a {@code filename}), in order
 * @param fields the other parts by name, each value decoded as UTF-8
 */
record MultipartBody(List<Part> files, Map<String, String> fields) {

    /** Largest option field: the options are short ({@code topK}, {@code threshold}, {@code model}). */
    static final int MAX_FIELD_BYTES = 1024;
    /** Largest header block of one part. */
    static final int MAX_PART_HEADER_BYTES = 8192;
    /** Most non-file parts. */
    static final int MAX_FIELDS = 32;
    /** Longest boundary RFC 2046 allows. */
    static final int MAX_BOUNDARY = 70;

    /**
     * One file part.
     *
     * @param name its form field name
     * @param fileName the file name the client gave (may be empty)
     * @param content its bytes
     */
    record Part(String name, String fileName, byte[] content) {}

    /**
     * Parses a body.
     *
     * @param contentType the request's {@code Content-Type} header, which carries the boundary
     * @param maxFiles the most file parts accepted
     * @throws HttpProblem 400 naming what is malformed; 413 when there are more than {@code maxFiles} files
     */
    static MultipartBody parse(String contentType, byte[] body, int maxFiles) {
        byte[] delimiter = ("\r\n--" + boundary(contentType)).getBytes(StandardCharsets.ISO_8859_1);
        // The first delimiter may start the body without the CRLF before it.
        int pos;
        if (startsWith(body, 0, delimiter, 2)) {
            pos = delimiter.length - 2;
        } else {
            int first = indexOf(body, delimiter, 0);
            if (first < 0) {
                throw HttpProblem.badRequest("the multipart body does not contain its boundary (from the Content-Type); "
                        + "send a multipart/form-data body with one file part per image");
            }
            pos = first + delimiter.length;
        }
        List<Part> files = new ArrayList<>();
        Map<String, String> fields = new LinkedHashMap<>();
        while (true) {
            // after a delimiter: "--" closes the body, otherwise optional spaces and a CRLF start a part
            if (startsWith(body, pos, new byte[] {'-', '-'}, 0)) {
                return new MultipartBody(List.copyOf(files), fields);
            }
            while (pos < body.length && (body[pos] == ' ' || body[pos] == '\t')) {
                pos++;
            }
            if (!startsWith(body, pos, new byte[] {'\r', '\n'}, 0)) {
                throw HttpProblem.badRequest("the multipart body " + (pos >= body.length ? "ends without its closing "
                        + "boundary (--BOUNDARY--); was it cut short?" : "has a boundary not followed by CRLF"));
            }
            pos += 2;
            int headersEnd = indexOf(body, new byte[] {'\r', '\n', '\r', '\n'}, pos);
            int blankFirst = startsWith(body, pos, new byte[] {'\r', '\n'}, 0) ? pos : -1;
            int contentStart;
            Map<String, String> headers;
            if (blankFirst >= 0) {
                headers = Map.of();
                contentStart = pos + 2;
            } else {
                if (headersEnd < 0 || headersEnd - pos > MAX_PART_HEADER_BYTES) {
                    throw HttpProblem.badRequest("a part's headers " + (headersEnd < 0 ? "never end (no blank line)"
                            : "are longer than " + MAX_PART_HEADER_BYTES + " bytes"));
                }
                headers = headers(new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8));
                contentStart = headersEnd + 4;
            }
            int end = indexOf(body, delimiter, contentStart);
            if (end < 0) {
                throw HttpProblem.badRequest("the multipart body ends without its closing boundary (--BOUNDARY--); "
                        + "was it cut short?");
            }
            Disposition d = disposition(headers.get("content-disposition"));
            if (d.fileName() != null) {
                if (files.size() == maxFiles) {
                    throw new HttpProblem(413, "the request holds more than " + maxFiles + " images; the limit is "
                            + maxFiles + " (server.max-images, TAGGER_SERVER_MAX_IMAGES)");
                }
                byte[] content = java.util.Arrays.copyOfRange(body, contentStart, end);
                files.add(new Part(d.name(), d.fileName(), content));
            } else {
                if (end - contentStart > MAX_FIELD_BYTES) {
                    throw HttpProblem.badRequest("the form field '" + shorten(d.name()) + "' is " + (end - contentStart)
                            + " bytes; option fields are at most " + MAX_FIELD_BYTES + " bytes, and images must be "
                            + "file parts (Content-Disposition with a filename, as curl -F image=@photo.jpg sends)");
                }
                if (fields.size() == MAX_FIELDS) {
                    throw HttpProblem.badRequest("the multipart body has more than " + MAX_FIELDS + " fields that are not "
                            + "files; the options are topK, threshold and model");
                }
                fields.putIfAbsent(d.name(), new String(body, contentStart, end - contentStart, StandardCharsets.UTF_8));
            }
            pos = end + delimiter.length;
        }
    }

    /** The boundary parameter of a multipart Content-Type, validated as RFC 2046 says. */
    private static String boundary(String contentType) {
        String boundary = null;
        String[] parts = contentType == null ? new String[0] : contentType.split(";");
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase("boundary")) {
                boundary = unquote(p.substring(eq + 1).trim());
            }
        }
        if (boundary == null || boundary.isEmpty()) {
            throw HttpProblem.badRequest("the multipart Content-Type has no boundary (or an empty one); send "
                    + "'multipart/form-data; boundary=SOMETHING' and separate the parts with --SOMETHING");
        }
        if (boundary.length() > MAX_BOUNDARY || !boundary.chars().allMatch(c -> c >= 0x20 && c < 0x7f)
                || boundary.endsWith(" ")) {
            throw HttpProblem.badRequest("the multipart boundary must be 1 to " + MAX_BOUNDARY + " printable ASCII "
                    + "characters not ending in a space (RFC 2046)");
        }
        return boundary;
    }

    /** A part's header lines, names lower-cased; no folding, every line {@code Name: value}. */
    private static Map<String, String> headers(String block) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : block.split("\r\n", -1)) {
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                throw HttpProblem.badRequest("a part has a folded (multi-line) header; write each part header on one "
                        + "line");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !line.substring(0, colon).chars().allMatch(MultipartBody::isTokenChar)) {
                throw HttpProblem.badRequest("a part has a header line that is not 'Name: value': '" + shorten(line)
                        + "'");
            }
            headers.putIfAbsent(line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return headers;
    }

    private record Disposition(String name, String fileName) {}

    /** Reads {@code form-data; name="..."; filename="..."}, which every part must have. */
    private static Disposition disposition(String header) {
        if (header == null) {
            throw HttpProblem.badRequest("a part has no Content-Disposition header; each part needs "
                    + "'Content-Disposition: form-data; name=\"image\"; filename=\"photo.jpg\"'");
        }
        List<String> params = splitParams(header);
        if (!params.get(0).trim().equalsIgnoreCase("form-data")) {
            throw HttpProblem.badRequest("a part's Content-Disposition is '" + shorten(params.get(0).trim())
                    + "', not form-data");
        }
        String name = null;
        String fileName = null;
        for (String p : params.subList(1, params.size())) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String key = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = unquote(p.substring(eq + 1).trim());
            if (key.equals("name")) {
                name = value;
            } else if (key.equals("filename")) {
                fileName = value;
            }
        }
        if (name == null) {
            throw HttpProblem.badRequest("a part's Content-Disposition has no name parameter (form-data; name=\"image\")");
        }
        return new Disposition(name, fileName);
    }

    /** Splits header parameters on semicolons outside quoted strings. */
    private static List<String> splitParams(String header) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            if (quoted && c == '\\' && i + 1 < header.length()) {
                cur.append(c).append(header.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ';' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            return v.substring(1, v.length() - 1).replaceAll("\\\\(.)", "$1");
        }
        return v;
    }

    private static boolean isTokenChar(int c) {
        return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix, int from) {
        if (at < 0 || at + prefix.length - from > b.length) {
            return false;
        }
        for (int i = from; i < prefix.length; i++) {
            if (b[at + i - from] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, byte[] needle, int from) {
        byte first = needle[0];
        int last = b.length - needle.length;
        for (int i = Math.max(from, 0); i <= last; i++) {
            if (b[i] == first && startsWith(b, i, needle, 0)) {
                return i;
            }
        }
        return -1;
    }
}
