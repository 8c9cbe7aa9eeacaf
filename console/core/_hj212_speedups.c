/* Optional C speedups for console/core/hj212.py (HJ 212-2017 codec) and console/core/uploads.py.
 *
 * The pure-Python functions in hj212.py are the reference; this module only makes the two hot spots of
 * decoding faster and must give exactly their results:
 *
 *   crc16(data)         == hj212.crc16_py(data) for a 1-D buffer of unsigned bytes (bytes, bytearray,
 *                          memoryview, array('B')); any other argument raises TypeError and the caller
 *                          falls back to the Python function.
 *   parse_segment(text) == (hj212._parse_header(text[:cp_at]), *hj212._parse_area(text[cp_at + 5:-2]))
 *                          for an ordinary well-formed data segment, and None for anything else (the
 *                          caller then runs the Python parser, which raises the proper FrameError).
 *
 * "Ordinary" means: an exact str of at most 65,535 characters of printable ASCII without spaces
 * (0x21..0x7E), '&' only in the "CP=&&" opening (its first occurrence) and the closing "&&", no ',' in the
 * header, at most 32 header fields, every header part and data-area item NAME=VALUE with a non-empty NAME,
 * ST/CN/PW/MN present, Flag/PNUM/PNO decimal digits. With no whitespace, Python's strip()/isspace() never
 * change anything, so the split rules are plain.
 *
 * Before the parse it checks the frame around the segment:
 *
 *   frame_segment(raw, max_segment)
 *                       == (text, len(segment)) with segment = hj212.check_frame(raw, max_segment=...)
 *                          and text = segment.decode("utf-8") when raw is exactly bytes, max_segment
 *                          exactly an int, the frame passes every check of check_frame (the same "##",
 *                          4 ASCII digits, length <= max_segment, exactly 4 CRC bytes after the segment
 *                          and optionally "\r\n", as check_frame computes its rest), the 4 CRC characters
 *                          are [0-9A-Fa-f] (no sign, space or '_' that int(rest, 16) might take) and the
 *                          segment is ASCII; None for anything else (decode then runs check_frame, which
 *                          raises the proper FrameError, and decodes UTF-8 itself). Only MemoryError
 *                          propagates.
 *
 * It also does the hub's hot loop after decoding, turning a data area into readings:
 *
 *   upload_values(cp, value_field, suffix, station, ts, reading_type, valid_flags)
 *                       == uploads.upload_values_py(cp, value_field, suffix, station, ts) (with
 *                          reading_type = Reading, valid_flags = VALID_FLAGS) for ordinary input, and None
 *                          for anything else (uploads.upload_values then runs the Python function).
 *
 * Here "ordinary" means exact types: cp a dict whose keys are str and whose values are dicts; station,
 * value_field and suffix str; ts a float; valid_flags a frozenset; and every text it reads (the value
 * field, or RS or Data, and Flag when the value is finite) a str, a value field of None counting as
 * missing as in Python. That is what parse_segment builds and decode hands on. Numbers are parsed by
 * PyFloat_FromString, so they are float(text) exactly (spaces, '_', "inf", "nan", exponents); a ValueError
 * skips the factor like the Python code's except clause, any other exception propagates, as does one
 * raised by reading_type. All of cp is read, and found ordinary, before reading_type is first called, so a
 * None never follows a call the fallback would repeat. The price: a reading_type that changed cp would not
 * see its changes where Python would (Reading, a msgspec Struct, changes nothing).
 *
 * For the hub's storage writer (console/hub/rollup.py), the hourly roll-up of a batch of uploads:
 *
 *   hour_sums(cells, hour_s)
 *                       == rollup.hour_sums_py(cells, hour_s): {(station, factor, hour): [total, count]}
 *                          over the flag "N" values of cells {(station, ts): {factor: (value, flag)}},
 *                          hour = floor(ts / hour_s); an hour's only upload gives its value itself,
 *                          several give Python's sum() of their values in cell order (3.12's Neumaier
 *                          compensation, done the same way here). None for anything not exactly those
 *                          types (exact dicts, tuples, str, float; hour_s a float), a ts that is not
 *                          finite, or an hour of one station with more than 64 factors (the caller then
 *                          runs the Python function). Only MemoryError propagates.
 *
 * And, for the hub's hot path, the same two steps without building the Packet (no cp dicts, no groups, no
 * params dict), on the very checks frame_segment and parse_segment make (shared code, no rules of their
 * own):
 *
 *   frame_upload(raw, max_segment)
 *                       == (text, packet.fields, packet.params.get("DataTime")) with packet = decode(raw)
 *                          when frame_segment(raw, max_segment) gives (text, _) and parse_segment(text)
 *                          accepts text; None otherwise. fields is dict(reversed(header)) as
 *                          Packet.fields builds it (the first of a repeated name wins), the stamp the
 *                          value of the last data-area item named exactly "DataTime", not checked as
 *                          a time: decode's parse_time check is the caller's to run. Only MemoryError
 *                          propagates.
 *   area_values(text, value_field, suffix, station, ts, reading_type, valid_flags)
 *                       == upload_values_py(parse_segment_py(text).cp, value_field, suffix, station, ts)
 *                          when parse_segment accepts text and station, value_field, suffix are str, ts
 *                          a float and valid_flags a frozenset (exact types); None otherwise. It walks
 *                          the items and keeps, per factor code (exact text, in order of first
 *                          appearance, as cp's keys), the last item of each of value_field, RS, Data and
 *                          Flag, which is what cp's dict assignment leaves; then upload_values_py's rules
 *                          per code. Here every text is a str, so only reading_type's exceptions and
 *                          MemoryError propagate; reading_type is called code by code as in Python.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------------
 * CRC16 of HJ 212-2017 Appendix A: crc = TABLE[(crc >> 8) ^ byte], TABLE the reflected 0xA001 table.
 *
 * Only the high byte of the register feeds the next step, so the state is x = (crc >> 8) ^ byte and
 * x' = H(x) ^ next_byte with H(x) = TABLE[x] >> 8. The table is linear over GF(2) (TABLE[a ^ b] =
 * TABLE[a] ^ TABLE[b]), hence so is H, and four steps fold into one:
 *   x(i+4) = H^4(x(i)) ^ H^3(b(i+1)) ^ H^2(b(i+2)) ^ H(b(i+3)) ^ b(i+4)
 * which leaves one dependent lookup per four bytes. The CRC is TABLE[x] of the last byte's x.
 */
static unsigned short crc_table[256];
static unsigned char crc_high[4][256]; /* crc_high[k][x] = H^(k+1)(x) */

static void
make_crc_tables(void)
{
    for (unsigned int i = 0; i < 256; i++) {
        unsigned int reg = i;
        for (int round = 0; round < 8; round++) {
            reg = (reg & 1) ? (reg >> 1) ^ 0xA001u : reg >> 1;
        }
        crc_table[i] = (unsigned short)reg;
        crc_high[0][i] = (unsigned char)(reg >> 8);
    }
    for (int k = 1; k < 4; k++) {
        for (unsigned int i = 0; i < 256; i++) {
            crc_high[k][i] = crc_high[0][crc_high[k - 1][i]];
        }
    }
}

static unsigned int
crc_run(const unsigned char *p, Py_ssize_t n, Py_ssize_t stride)
{
    if (stride != 1) {
        unsigned int crc = 0xFFFF;
        for (Py_ssize_t i = 0; i < n; i++) {
            crc = crc_table[(crc >> 8) ^ p[i * stride]];
        }
        return crc;
    }
    if (n == 0) {
        return 0xFFFF;
    }
    unsigned int x = 0xFFu ^ p[0];
    Py_ssize_t i = 0;
    for (; i + 4 < n; i += 4) {
        x = crc_high[3][x] ^ crc_high[2][p[i + 1]] ^ crc_high[1][p[i + 2]] ^ crc_high[0][p[i + 3]] ^ p[i + 4];
    }
    for (; i + 1 < n; i++) {
        x = crc_high[0][x] ^ p[i + 1];
    }
    return crc_table[x];
}

static PyObject *
speedups_crc16(PyObject *Py_UNUSED(module), PyObject *arg)
{
    if (PyBytes_CheckExact(arg)) {
        return PyLong_FromUnsignedLong(
            crc_run((const unsigned char *)PyBytes_AS_STRING(arg), PyBytes_GET_SIZE(arg), 1));
    }
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_RECORDS_RO) < 0) {
        if (PyErr_ExceptionMatches(PyExc_BufferError)) {
            PyErr_Clear();
            PyErr_SetString(PyExc_TypeError, "crc16: unsupported buffer");
        }
        return NULL;
    }
    if (view.ndim != 1 || view.itemsize != 1 || (view.format != NULL && strcmp(view.format, "B") != 0)) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_TypeError, "crc16: needs a 1-D buffer of unsigned bytes");
        return NULL;
    }
    Py_ssize_t n = view.shape != NULL ? view.shape[0] : view.len;
    Py_ssize_t stride = view.strides != NULL ? view.strides[0] : 1;
    unsigned int crc = crc_run((const unsigned char *)view.buf, n, stride);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(crc);
}

/* ------------------------------------------------------------------------------------------------------
 * Strings
 */

/* A new str holding s[a:b] (ASCII). */
static inline PyObject *
substr(const char *s, Py_ssize_t a, Py_ssize_t b)
{
    PyObject *out = PyUnicode_New(b - a, 127);
    if (out != NULL && b > a) {
        memcpy(PyUnicode_1BYTE_DATA(out), s + a, (size_t)(b - a));
    }
    return out;
}

/* A value: new each time (numbers rarely repeat), except Python's singletons for "" and one character. */
static inline PyObject *
value_str(const char *s, Py_ssize_t a, Py_ssize_t b)
{
    if (b - a <= 1) {
        return PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, s + a, b - a);
    }
    return substr(s, a, b);
}

static inline int
same_bytes(const char *x, const char *y, Py_ssize_t len)
{
    for (Py_ssize_t i = 0; i < len; i++) {
        if (x[i] != y[i]) {
            return 0;
        }
    }
    return 1;
}

/* Names repeat from frame to frame (header keys, "a34004-Rtd", factor codes, "Rtd", "DataTime"): a small
 * direct-mapped cache hands out the same str for the same text, which saves the allocation and, since a
 * str keeps its hash, the hashing when it is used as a dict key. Only short names go in; a slot holds
 * one strong reference, replaced on collision. The cache is only touched with the GIL held, and no
 * Python code runs between looking a slot up and using it. */
#define NAME_CACHE_SIZE 1024
#define NAME_CACHE_MAX 24
static PyObject *name_cache[NAME_CACHE_SIZE];

static PyObject *
name_str(const char *s, Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t len = b - a;
    if (len <= 1) {
        return value_str(s, a, b);
    }
    if (len > NAME_CACHE_MAX) {
        return substr(s, a, b);
    }
    unsigned int h = 2166136261u; /* FNV-1a */
    for (Py_ssize_t i = a; i < b; i++) {
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    }
    PyObject **slot = &name_cache[(h ^ (h >> 16)) & (NAME_CACHE_SIZE - 1)];
    PyObject *hit = *slot;
    if (hit != NULL && PyUnicode_GET_LENGTH(hit) == len &&
        same_bytes((const char *)PyUnicode_1BYTE_DATA(hit), s + a, len)) {
        return Py_NewRef(hit);
    }
    PyObject *out = substr(s, a, b);
    if (out != NULL) {
        Py_XSETREF(*slot, Py_NewRef(out));
    }
    return out;
}

/* ------------------------------------------------------------------------------------------------------
 * Frame: "##" + 4-digit length + segment + 4 hex CRC digits + optional CRLF (hj212.check_frame)
 */

static inline int
hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* check_frame's checks for an ordinary frame (see frame_segment): 1 with *length set, 0 for anything else,
 * -1 with an exception set. */
static int
frame_check(PyObject *raw, PyObject *limit_obj, Py_ssize_t *length_out)
{
    if (!PyBytes_CheckExact(raw) || !PyLong_CheckExact(limit_obj)) {
        return 0;
    }
    /* length > max_segment: an int too large for long long never fails it, a too negative one always. */
    int overflow;
    long long limit = PyLong_AsLongLongAndOverflow(limit_obj, &overflow);
    if (limit == -1 && PyErr_Occurred()) {
        return -1; /* not for an exact int */
    }
    if (overflow < 0) {
        return 0;
    }
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(raw);
    const Py_ssize_t n = PyBytes_GET_SIZE(raw);
    if (n < 6 || p[0] != '#' || p[1] != '#') {
        return 0;
    }
    Py_ssize_t length = 0;
    for (int k = 2; k < 6; k++) {
        if (p[k] < '0' || p[k] > '9') {
            return 0;
        }
        length = length * 10 + (p[k] - '0');
    }
    if (overflow == 0 && length > limit) {
        return 0;
    }
    /* rest = raw[end:] less a trailing "\r\n" must be 4 bytes: 6 bytes ending in CRLF, or 4 that do not. */
    const Py_ssize_t end = 6 + length, tail = n - end;
    const int crlf = p[n - 2] == '\r' && p[n - 1] == '\n';
    if (!(tail == 6 && crlf) && !(tail == 4 && !crlf)) {
        return 0;
    }
    unsigned int received = 0;
    for (Py_ssize_t k = end; k < end + 4; k++) {
        int digit = hex_value(p[k]);
        if (digit < 0) {
            return 0;
        }
        received = (received << 4) | (unsigned int)digit;
    }
    unsigned char high = 0;
    for (Py_ssize_t k = 6; k < end; k++) {
        high |= p[k];
    }
    if ((high & 0x80) != 0 || received != crc_run(p + 6, length, 1)) {
        return 0; /* non-ASCII (Python decodes UTF-8) or a wrong CRC */
    }
    *length_out = length;
    return 1;
}

static PyObject *
speedups_frame_segment(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "frame_segment() takes exactly 2 arguments (%zd given)", nargs);
        return NULL;
    }
    Py_ssize_t length;
    int ok = frame_check(args[0], args[1], &length);
    if (ok <= 0) {
        return ok < 0 ? NULL : Py_NewRef(Py_None);
    }
    const Py_ssize_t end = 6 + length;
    const char *p = PyBytes_AS_STRING(args[0]);
    PyObject *text = substr(p, 6, end);
    if (text == NULL) {
        return NULL;
    }
    PyObject *size = PyLong_FromSsize_t(length);
    if (size == NULL) {
        Py_DECREF(text);
        return NULL;
    }
    PyObject *result = PyTuple_New(2);
    if (result == NULL) {
        Py_DECREF(text);
        Py_DECREF(size);
        return NULL;
    }
    PyTuple_SET_ITEM(result, 0, text);
    PyTuple_SET_ITEM(result, 1, size);
    return result;
}

/* ------------------------------------------------------------------------------------------------------
 * Data segment
 */

#define MAX_TEXT 65535 /* longer texts go to Python (the codec caps segments at 9,999 bytes) */
#define MAX_HEADER 32  /* more header fields than that go to Python */
#define STACK_ITEMS 256

enum { C_BAD = 0, C_PLAIN, C_C, C_DASH, C_EQ, C_COMMA, C_SEMI };
static unsigned char char_class[256];

static void
make_char_class(void)
{
    for (int c = 0x21; c < 0x7F; c++) {
        char_class[c] = C_PLAIN;
    }
    char_class['&'] = C_BAD; /* allowed only in "CP=&&" and the closing "&&", which are never scanned */
    char_class['C'] = C_C;
    char_class['-'] = C_DASH;
    char_class['='] = C_EQ;
    char_class[','] = C_COMMA;
    char_class[';'] = C_SEMI;
}

typedef struct {
    Py_ssize_t start, eq, end; /* NAME = s[start:eq], VALUE = s[eq + 1:end] */
} Field;

typedef struct {
    Py_ssize_t start, eq, dash, end; /* dash: the last '-' of NAME, or -1 */
    int last;                        /* the last item of its group */
} Item;

static inline int
key_is(const char *s, const Field *f, const char *name)
{
    size_t len = strlen(name);
    return (size_t)(f->eq - f->start) == len && memcmp(s + f->start, name, len) == 0;
}

static inline int
value_is_number(const char *s, const Field *f)
{
    if (f->end <= f->eq + 1) {
        return 0;
    }
    for (Py_ssize_t i = f->eq + 1; i < f->end; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

/* _parse_header's checks: ST, CN, PW, MN present; the first Flag, PNUM and PNO decimal digits. */
static int
header_ok(const char *s, const Field *head, int nhead)
{
    int st = 0, cn = 0, pw = 0, mn = 0, flag = 0, pnum = 0, pno = 0;
    for (int k = 0; k < nhead; k++) {
        const Field *f = &head[k];
        if (key_is(s, f, "ST")) {
            st = 1;
        }
        else if (key_is(s, f, "CN")) {
            cn = 1;
        }
        else if (key_is(s, f, "PW")) {
            pw = 1;
        }
        else if (key_is(s, f, "MN")) {
            mn = 1;
        }
        else if (key_is(s, f, "Flag")) {
            if (!flag && !value_is_number(s, f)) {
                return 0;
            }
            flag = 1;
        }
        else if (key_is(s, f, "PNUM")) {
            if (!pnum && !value_is_number(s, f)) {
                return 0;
            }
            pnum = 1;
        }
        else if (key_is(s, f, "PNO")) {
            if (!pno && !value_is_number(s, f)) {
                return 0;
            }
            pno = 1;
        }
    }
    return st && cn && pw && mn;
}

/* A (NAME, VALUE) tuple; NULL with an exception set. */
static PyObject *
make_pair(const char *s, Py_ssize_t start, Py_ssize_t eq, Py_ssize_t end)
{
    PyObject *pair = PyTuple_New(2);
    if (pair == NULL) {
        return NULL;
    }
    PyObject *key = name_str(s, start, eq);
    if (key == NULL) {
        Py_DECREF(pair);
        return NULL;
    }
    PyTuple_SET_ITEM(pair, 0, key);
    PyObject *value = value_str(s, eq + 1, end);
    if (value == NULL) {
        Py_DECREF(pair);
        return NULL;
    }
    PyTuple_SET_ITEM(pair, 1, value);
    return pair;
}

static PyObject *
build_header(const char *s, const Field *head, int nhead)
{
    PyObject *header = PyTuple_New(nhead);
    if (header == NULL) {
        return NULL;
    }
    for (int k = 0; k < nhead; k++) {
        PyObject *pair = make_pair(s, head[k].start, head[k].eq, head[k].end);
        if (pair == NULL) {
            Py_DECREF(header);
            return NULL;
        }
        PyTuple_SET_ITEM(header, k, pair);
    }
    return header;
}

/* (groups, cp, params) into out[0..2] as new references; 0, or -1 with an exception set. */
static int
build_area(const char *s, const Item *items, Py_ssize_t nitems, Py_ssize_t ngroups, PyObject **out)
{
    PyObject *groups = PyTuple_New(ngroups);
    PyObject *cp = PyDict_New();
    PyObject *params = PyDict_New();
    /* The factor of the previous item: consecutive items usually share it, and cp[code] is the same dict
     * for equal codes, so reusing it is what cp.get(code) would return. Borrowed from cp. */
    PyObject *last_fields = NULL;
    Py_ssize_t last_code = 0, last_code_len = -1;
    if (groups == NULL || cp == NULL || params == NULL) {
        goto fail;
    }
    Py_ssize_t g = 0;
    PyObject *group = NULL; /* borrowed from groups */
    Py_ssize_t in_group = 0;
    for (Py_ssize_t k = 0; k < nitems; k++) {
        const Item *it = &items[k];
        if (group == NULL) {
            Py_ssize_t size = 1;
            while (!items[k + size - 1].last) {
                size++;
            }
            group = PyTuple_New(size);
            if (group == NULL) {
                goto fail;
            }
            PyTuple_SET_ITEM(groups, g++, group);
            in_group = 0;
        }
        PyObject *pair = make_pair(s, it->start, it->eq, it->end);
        if (pair == NULL) {
            goto fail;
        }
        PyTuple_SET_ITEM(group, in_group++, pair);
        PyObject *key = PyTuple_GET_ITEM(pair, 0);
        PyObject *value = PyTuple_GET_ITEM(pair, 1);
        if (it->last) {
            group = NULL;
        }
        /* key.rpartition('-'): a factor field when there is a '-' with something before it. */
        if (it->dash > it->start) {
            Py_ssize_t code_len = it->dash - it->start;
            PyObject *fields;
            if (last_fields != NULL && code_len == last_code_len && same_bytes(s + it->start, s + last_code, code_len)) {
                fields = last_fields;
            }
            else {
                PyObject *code = name_str(s, it->start, it->dash);
                if (code == NULL) {
                    goto fail;
                }
                fields = PyDict_GetItemWithError(cp, code); /* borrowed */
                if (fields == NULL) {
                    if (PyErr_Occurred() || (fields = PyDict_New()) == NULL) {
                        Py_DECREF(code);
                        goto fail;
                    }
                    int rc = PyDict_SetItem(cp, code, fields);
                    Py_DECREF(fields); /* cp holds it now */
                    if (rc < 0) {
                        Py_DECREF(code);
                        goto fail;
                    }
                }
                Py_DECREF(code);
                last_fields = fields;
                last_code = it->start;
                last_code_len = code_len;
            }
            PyObject *name = name_str(s, it->dash + 1, it->eq);
            if (name == NULL) {
                goto fail;
            }
            int rc = PyDict_SetItem(fields, name, value);
            Py_DECREF(name);
            if (rc < 0) {
                goto fail;
            }
        }
        else if (PyDict_SetItem(params, key, value) < 0) {
            goto fail;
        }
    }
    out[0] = groups;
    out[1] = cp;
    out[2] = params;
    return 0;
fail:
    Py_XDECREF(groups);
    Py_XDECREF(cp);
    Py_XDECREF(params);
    return -1;
}

/* A data segment split as parse_segment reads it: the header fields and the data-area items, nothing
 * built yet. items points at stack_items or at memory that scan_release frees. */
typedef struct {
    const char *s;
    Py_ssize_t n;
    Field head[MAX_HEADER];
    int nhead;
    Item *items;
    Py_ssize_t nitems, ngroups;
    Item stack_items[STACK_ITEMS];
} Scan;

static void
scan_release(Scan *sc)
{
    if (sc->items != sc->stack_items) {
        PyMem_Free(sc->items);
    }
    sc->items = sc->stack_items;
}

/* Split text as parse_segment does: 1 for an ordinary well-formed segment (call scan_release after), 0 for
 * anything else, -1 with MemoryError set. Nothing to release unless it returns 1. */
static int
scan_segment(PyObject *text, Scan *sc)
{
    sc->items = sc->stack_items;
    if (!PyUnicode_CheckExact(text) || !PyUnicode_IS_ASCII(text) || PyUnicode_GET_LENGTH(text) > MAX_TEXT) {
        return 0;
    }
    const char *s = (const char *)PyUnicode_1BYTE_DATA(text);
    const Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    sc->s = s;
    sc->n = n;

    /* Header: text[:cp_at], cp_at = text.find("CP=&&"); parts split on ';', empty parts skipped. */
    Field *head = sc->head;
    int nhead = 0;
    Py_ssize_t cp_at = -1, start = 0, eq = -1, i;
    for (i = 0; i < n; i++) {
        int c = char_class[(unsigned char)s[i]];
        if (c == C_PLAIN || c == C_DASH) {
            continue;
        }
        if (c == C_EQ) {
            if (eq < 0) {
                eq = i;
            }
            continue;
        }
        if (c == C_C) {
            if (i + 5 <= n && memcmp(s + i, "CP=&&", 5) == 0) {
                cp_at = i;
                break;
            }
            continue;
        }
        if (c != C_SEMI) {
            return 0; /* space, control character, '&', a ',' in the header */
        }
        if (i > start) {
            if (eq <= start || nhead == MAX_HEADER) {
                return 0;
            }
            head[nhead++] = (Field){start, eq, i};
        }
        start = i + 1;
        eq = -1;
    }
    if (cp_at < 0 || n < cp_at + 7 || s[n - 2] != '&' || s[n - 1] != '&') {
        return 0;
    }
    if (cp_at > start) {
        if (eq <= start || nhead == MAX_HEADER) {
            return 0;
        }
        head[nhead++] = (Field){start, eq, cp_at};
    }
    if (!header_ok(s, head, nhead)) {
        return 0;
    }
    sc->nhead = nhead;

    /* Data area: text[cp_at + 5:-2]; groups split on ';' (empty ones skipped), items on ','. An item
     * takes at least two characters and a separator, so len / 2 + 2 records always suffice. */
    const Py_ssize_t a0 = cp_at + 5, a1 = n - 2;
    Item *items = sc->stack_items;
    Py_ssize_t cap = (a1 - a0) / 2 + 2;
    if (cap > STACK_ITEMS) {
        items = PyMem_New(Item, (size_t)cap);
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    else {
        cap = STACK_ITEMS;
    }
    Py_ssize_t nitems = 0, ngroups = 0, in_group = 0, dash = -1;
    start = a0;
    eq = -1;
    for (i = a0; i <= a1; i++) {
        int c = i < a1 ? char_class[(unsigned char)s[i]] : C_SEMI;
        if (c == C_PLAIN || c == C_C) {
            continue;
        }
        if (c == C_DASH) {
            if (eq < 0) {
                dash = i;
            }
            continue;
        }
        if (c == C_EQ) {
            if (eq < 0) {
                eq = i;
            }
            continue;
        }
        if (c == C_BAD) {
            goto reject;
        }
        /* ',' or ';' (or the end) closes an item */
        if (c == C_SEMI && in_group == 0 && i == start) { /* an empty group */
            start = i + 1;
            continue;
        }
        if (eq <= start || nitems == cap) { /* empty item, no '=', empty NAME */
            goto reject;
        }
        items[nitems++] = (Item){start, eq, dash, i, c == C_SEMI};
        in_group++;
        if (c == C_SEMI) {
            ngroups++;
            in_group = 0;
        }
        start = i + 1;
        eq = -1;
        dash = -1;
    }
    sc->items = items;
    sc->nitems = nitems;
    sc->ngroups = ngroups;
    return 1;
reject:
    if (items != sc->stack_items) {
        PyMem_Free(items);
    }
    return 0;
}

static PyObject *
speedups_parse_segment(PyObject *Py_UNUSED(module), PyObject *text)
{
    Scan sc;
    int ok = scan_segment(text, &sc);
    if (ok <= 0) {
        return ok < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *result = PyTuple_New(4);
    if (result == NULL) {
        goto done;
    }
    PyObject *header = build_header(sc.s, sc.head, sc.nhead);
    if (header == NULL) {
        Py_CLEAR(result);
        goto done;
    }
    PyTuple_SET_ITEM(result, 0, header);
    PyObject *area[3];
    if (build_area(sc.s, sc.items, sc.nitems, sc.ngroups, area) < 0) {
        Py_CLEAR(result);
        goto done;
    }
    PyTuple_SET_ITEM(result, 1, area[0]);
    PyTuple_SET_ITEM(result, 2, area[1]);
    PyTuple_SET_ITEM(result, 3, area[2]);
done:
    scan_release(&sc);
    return result;
}

/* ------------------------------------------------------------------------------------------------------
 * Upload values: uploads.upload_values_py in C
 */

static PyObject *str_N, *str_RS, *str_dash_RS, *str_Data, *str_Flag; /* interned, made at import */

#define STACK_ENTRIES 64

typedef struct {
    PyObject *factor, *value, *flag; /* strong references */
    PyObject *reading;               /* strong, NULL until the second pass makes it */
} Entry;

static void
clear_entries(Entry *entries, Py_ssize_t n)
{
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_DECREF(entries[k].factor);
        Py_DECREF(entries[k].value);
        Py_DECREF(entries[k].flag);
        Py_XDECREF(entries[k].reading);
    }
}

#define READ_SKIP 0
#define READ_KEEP 1
#define READ_ERROR (-1)   /* an exception is set */
#define READ_DECLINE (-2) /* not the ordinary case: the caller returns None, no exception set */

/* One factor of cp, the loop body of upload_values_py up to the Reading: READ_KEEP with *entry filled,
 * READ_SKIP, READ_ERROR or READ_DECLINE. code and fields are held by the caller; every other object
 * looked up here is used before the next lookup, which is the only step that could run Python code (a
 * key with its own __eq__). */
static int
read_factor(PyObject *code, PyObject *fields, PyObject *value_field, PyObject *suffix, Entry *entry)
{
    PyObject *tail = suffix;
    PyObject *text = PyDict_GetItemWithError(fields, value_field); /* borrowed */
    if (text == NULL || text == Py_None) {                          /* fields.get(value_field) is None */
        if (PyErr_Occurred()) {
            return READ_ERROR;
        }
        if ((text = PyDict_GetItemWithError(fields, str_RS)) != NULL) {
            tail = str_dash_RS;
        }
        else if (PyErr_Occurred()) {
            return READ_ERROR;
        }
        else if ((text = PyDict_GetItemWithError(fields, str_Data)) == NULL) {
            return PyErr_Occurred() ? READ_ERROR : READ_SKIP;
        }
    }
    if (!PyUnicode_CheckExact(text)) {
        return READ_DECLINE; /* float(None) raises TypeError, float(5) works: Python's to decide */
    }
    PyObject *value = PyFloat_FromString(text); /* float(text), exactly */
    if (value == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_ValueError)) {
            return READ_ERROR;
        }
        PyErr_Clear();
        return READ_SKIP;
    }
    if (!isfinite(PyFloat_AS_DOUBLE(value))) {
        Py_DECREF(value);
        return READ_SKIP;
    }
    /* flag = fields.get("Flag"); flag = flag[:1] if flag else "N" */
    PyObject *flag = PyDict_GetItemWithError(fields, str_Flag);
    if (flag == NULL) {
        if (PyErr_Occurred()) {
            Py_DECREF(value);
            return READ_ERROR;
        }
        flag = Py_NewRef(str_N);
    }
    else if (!PyUnicode_CheckExact(flag)) {
        Py_DECREF(value);
        return READ_DECLINE;
    }
    else if (PyUnicode_GET_LENGTH(flag) == 0) {
        flag = Py_NewRef(str_N);
    }
    else if (PyUnicode_GET_LENGTH(flag) == 1) {
        flag = Py_NewRef(flag);
    }
    else if ((flag = PyUnicode_Substring(flag, 0, 1)) == NULL) {
        Py_DECREF(value);
        return READ_ERROR;
    }
    /* code + suffix if suffix else code, or f"{code}-RS" */
    PyObject *factor = PyUnicode_GET_LENGTH(tail) == 0 ? Py_NewRef(code) : PyUnicode_Concat(code, tail);
    if (factor == NULL) {
        Py_DECREF(value);
        Py_DECREF(flag);
        return READ_ERROR;
    }
    *entry = (Entry){factor, value, flag, NULL};
    return READ_KEEP;
}

static PyObject *
speedups_upload_values(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "upload_values() takes exactly 7 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *cp = args[0], *value_field = args[1], *suffix = args[2], *station = args[3], *ts = args[4];
    PyObject *reading_type = args[5], *valid_flags = args[6];
    if (!PyDict_CheckExact(cp) || !PyUnicode_CheckExact(value_field) || !PyUnicode_CheckExact(suffix) ||
        !PyUnicode_CheckExact(station) || !PyFloat_CheckExact(ts) || !PyFrozenSet_CheckExact(valid_flags)) {
        Py_RETURN_NONE;
    }

    /* First pass: read every factor, calling no Python code of the caller's, so that declining (None)
     * leaves nothing done twice. At most one entry per item of cp. */
    const Py_ssize_t size = PyDict_GET_SIZE(cp);
    Entry stack_entries[STACK_ENTRIES];
    Entry *entries = stack_entries;
    if (size > STACK_ENTRIES) {
        entries = PyMem_New(Entry, (size_t)size);
        if (entries == NULL) {
            return PyErr_NoMemory();
        }
    }
    PyObject *result = NULL, *stored = NULL;
    Py_ssize_t n = 0, seen = 0, pos = 0;
    PyObject *code, *fields;
    for (;;) {
        /* What iterating cp.items() would raise if a key's __eq__ changed cp. */
        if (PyDict_GET_SIZE(cp) != size) {
            PyErr_SetString(PyExc_RuntimeError, "dictionary changed size during iteration");
            goto done;
        }
        if (!PyDict_Next(cp, &pos, &code, &fields)) {
            break;
        }
        if (seen++ == size) {
            PyErr_SetString(PyExc_RuntimeError, "dictionary keys changed during iteration");
            goto done;
        }
        if (!PyUnicode_CheckExact(code) || !PyDict_CheckExact(fields)) {
            result = Py_None;
            goto done;
        }
        Py_INCREF(code);
        Py_INCREF(fields);
        int rc = read_factor(code, fields, value_field, suffix, &entries[n]);
        Py_DECREF(code);
        Py_DECREF(fields);
        if (rc == READ_KEEP) {
            n++;
        }
        else if (rc == READ_ERROR) {
            goto done;
        }
        else if (rc == READ_DECLINE) {
            result = Py_None;
            goto done;
        }
    }

    /* Second pass: the readings and the stored values, in cp's order. The list is made last, so that
     * reading_type never sees it half filled. */
    stored = PyDict_New();
    if (stored == NULL) {
        goto done;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        Entry *e = &entries[k];
        PyObject *call[5] = {station, e->factor, ts, e->value, e->flag};
        e->reading = PyObject_Vectorcall(reading_type, call, 5, NULL);
        if (e->reading == NULL) {
            goto done;
        }
        int valid = PySet_Contains(valid_flags, e->flag);
        if (valid < 0) {
            goto done;
        }
        if (valid) {
            PyObject *pair = PyTuple_Pack(2, e->value, e->flag);
            if (pair == NULL) {
                goto done;
            }
            int rc = PyDict_SetItem(stored, e->factor, pair);
            Py_DECREF(pair);
            if (rc < 0) {
                goto done;
            }
        }
    }
    PyObject *readings = PyList_New(n);
    if (readings == NULL) {
        goto done;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyList_SET_ITEM(readings, k, entries[k].reading); /* the list takes the reference */
        entries[k].reading = NULL;
    }
    result = PyTuple_New(2);
    if (result == NULL) {
        Py_DECREF(readings);
        goto done;
    }
    PyTuple_SET_ITEM(result, 0, readings);
    PyTuple_SET_ITEM(result, 1, stored);
    stored = NULL;
done:
    clear_entries(entries, n);
    if (entries != stack_entries) {
        PyMem_Free(entries);
    }
    Py_XDECREF(stored);
    return result == Py_None ? Py_NewRef(Py_None) : result;
}

/* ------------------------------------------------------------------------------------------------------
 * The hub's hot path without the Packet: frame_upload (frame -> segment text, header fields, DataTime)
 * and area_values (segment text -> upload_values_py of its cp), both on the scan parse_segment makes.
 */

static PyObject *
speedups_frame_upload(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "frame_upload() takes exactly 2 arguments (%zd given)", nargs);
        return NULL;
    }
    Py_ssize_t length;
    int ok = frame_check(args[0], args[1], &length);
    if (ok <= 0) {
        return ok < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *text = substr(PyBytes_AS_STRING(args[0]), 6, 6 + length);
    if (text == NULL) {
        return NULL;
    }
    Scan sc;
    ok = scan_segment(text, &sc);
    if (ok <= 0) {
        Py_DECREF(text);
        return ok < 0 ? NULL : Py_NewRef(Py_None);
    }
    const char *s = sc.s;
    PyObject *fields = NULL, *stamp = NULL, *result = NULL;
    /* Packet.fields is dict(reversed(header)): the first of a repeated name wins. */
    if ((fields = PyDict_New()) == NULL) {
        goto done;
    }
    for (int k = sc.nhead - 1; k >= 0; k--) {
        const Field *f = &sc.head[k];
        PyObject *key = name_str(s, f->start, f->eq);
        if (key == NULL) {
            goto done;
        }
        PyObject *value = value_str(s, f->eq + 1, f->end);
        if (value == NULL) {
            Py_DECREF(key);
            goto done;
        }
        int rc = PyDict_SetItem(fields, key, value);
        Py_DECREF(key);
        Py_DECREF(value);
        if (rc < 0) {
            goto done;
        }
    }
    /* params.get("DataTime"): the last item named exactly DataTime (no '-', so always a param). */
    for (Py_ssize_t k = sc.nitems - 1; k >= 0 && stamp == NULL; k--) {
        const Item *it = &sc.items[k];
        if (it->eq - it->start == 8 && memcmp(s + it->start, "DataTime", 8) == 0) {
            if ((stamp = value_str(s, it->eq + 1, it->end)) == NULL) {
                goto done;
            }
        }
    }
    if (stamp == NULL) {
        stamp = Py_NewRef(Py_None);
    }
    if ((result = PyTuple_New(3)) == NULL) {
        goto done;
    }
    PyTuple_SET_ITEM(result, 0, text);
    PyTuple_SET_ITEM(result, 1, fields);
    PyTuple_SET_ITEM(result, 2, stamp);
    text = fields = stamp = NULL;
done:
    scan_release(&sc);
    Py_XDECREF(text);
    Py_XDECREF(fields);
    Py_XDECREF(stamp);
    return result;
}

/* One factor code of the data area as cp would hold it: items[k] indexes of its last value_field, RS,
 * Data and Flag fields (a repeated field keeps its last value, as the dict assignment does), -1 if none. */
typedef struct {
    Py_ssize_t start, len; /* the code is s[start:start + len] */
    Py_ssize_t value, rs, data, flag;
} Code;

#define STACK_CODES 64
#define STACK_SLOTS 256

static inline int
field_is(const char *s, const Item *it, const char *name, Py_ssize_t len)
{
    return it->eq - it->dash - 1 == len && memcmp(s + it->dash + 1, name, (size_t)len) == 0;
}

/* code + tail (tail "" gives code itself), cached like a name when short and ASCII. */
static PyObject *
factor_str(const char *s, const Code *c, PyObject *tail)
{
    Py_ssize_t tail_len = PyUnicode_GET_LENGTH(tail);
    if (tail_len == 0) {
        return name_str(s, c->start, c->start + c->len);
    }
    if (PyUnicode_IS_ASCII(tail) && c->len + tail_len <= NAME_CACHE_MAX) {
        char buf[NAME_CACHE_MAX];
        memcpy(buf, s + c->start, (size_t)c->len);
        memcpy(buf + c->len, PyUnicode_1BYTE_DATA(tail), (size_t)tail_len);
        return name_str(buf, 0, c->len + tail_len);
    }
    PyObject *code = name_str(s, c->start, c->start + c->len);
    if (code == NULL) {
        return NULL;
    }
    PyObject *factor = PyUnicode_Concat(code, tail);
    Py_DECREF(code);
    return factor;
}

static PyObject *
speedups_area_values(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "area_values() takes exactly 7 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *text = args[0], *value_field = args[1], *suffix = args[2], *station = args[3], *ts = args[4];
    PyObject *reading_type = args[5], *valid_flags = args[6];
    if (!PyUnicode_CheckExact(value_field) || !PyUnicode_CheckExact(suffix) || !PyUnicode_CheckExact(station) ||
        !PyFloat_CheckExact(ts) || !PyFrozenSet_CheckExact(valid_flags)) {
        Py_RETURN_NONE;
    }
    Scan sc;
    int ok = scan_segment(text, &sc);
    if (ok <= 0) {
        return ok < 0 ? NULL : Py_NewRef(Py_None);
    }
    const char *s = sc.s;
    /* A value_field that is not ASCII matches no field name of an ASCII text. */
    const char *vf = PyUnicode_IS_ASCII(value_field) ? (const char *)PyUnicode_1BYTE_DATA(value_field) : NULL;
    const Py_ssize_t vf_len = PyUnicode_GET_LENGTH(value_field);

    /* The codes in order of first appearance, found through an open-addressing table of code indexes. */
    Code stack_codes[STACK_CODES];
    Py_ssize_t stack_slots[STACK_SLOTS];
    Code *codes = stack_codes;
    Py_ssize_t *slots = stack_slots;
    PyObject *readings = NULL, *stored = NULL, *result = NULL;
    Py_ssize_t nslots = 16;
    while (nslots < 2 * sc.nitems) {
        nslots *= 2;
    }
    if (sc.nitems > STACK_CODES && (codes = PyMem_New(Code, (size_t)sc.nitems)) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (nslots > STACK_SLOTS && (slots = PyMem_New(Py_ssize_t, (size_t)nslots)) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < nslots; k++) {
        slots[k] = -1;
    }
    Py_ssize_t ncodes = 0, last = -1;
    for (Py_ssize_t k = 0; k < sc.nitems; k++) {
        const Item *it = &sc.items[k];
        if (it->dash <= it->start) {
            continue; /* a param */
        }
        const Py_ssize_t len = it->dash - it->start;
        Py_ssize_t at = last;
        if (at < 0 || codes[at].len != len || !same_bytes(s + codes[at].start, s + it->start, len)) {
            unsigned int h = 2166136261u; /* FNV-1a */
            for (Py_ssize_t i = it->start; i < it->dash; i++) {
                h = (h ^ (unsigned char)s[i]) * 16777619u;
            }
            Py_ssize_t slot = (Py_ssize_t)(h & (unsigned int)(nslots - 1));
            for (;;) {
                at = slots[slot];
                if (at < 0) {
                    at = slots[slot] = ncodes++;
                    codes[at] = (Code){it->start, len, -1, -1, -1, -1};
                    break;
                }
                if (codes[at].len == len && same_bytes(s + codes[at].start, s + it->start, len)) {
                    break;
                }
                slot = (slot + 1) & (nslots - 1);
            }
            last = at;
        }
        Code *c = &codes[at];
        if (vf != NULL && field_is(s, it, vf, vf_len)) {
            c->value = k;
        }
        if (field_is(s, it, "RS", 2)) {
            c->rs = k;
        }
        if (field_is(s, it, "Data", 4)) {
            c->data = k;
        }
        if (field_is(s, it, "Flag", 4)) {
            c->flag = k;
        }
    }

    /* upload_values_py, code by code. */
    if ((readings = PyList_New(0)) == NULL || (stored = PyDict_New()) == NULL) {
        goto done;
    }
    for (Py_ssize_t j = 0; j < ncodes; j++) {
        const Code *c = &codes[j];
        Py_ssize_t k = c->value;
        PyObject *tail = suffix;
        if (k < 0) {
            if (c->rs >= 0) {
                k = c->rs;
                tail = str_dash_RS;
            }
            else if ((k = c->data) < 0) {
                continue;
            }
        }
        const Item *it = &sc.items[k];
        PyObject *number = value_str(s, it->eq + 1, it->end);
        if (number == NULL) {
            goto done;
        }
        PyObject *value = PyFloat_FromString(number); /* float(text), exactly */
        Py_DECREF(number);
        if (value == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_ValueError)) {
                goto done;
            }
            PyErr_Clear();
            continue;
        }
        if (!isfinite(PyFloat_AS_DOUBLE(value))) {
            Py_DECREF(value);
            continue;
        }
        /* flag = fields.get("Flag"); flag = flag[:1] if flag else "N" */
        PyObject *flag;
        if (c->flag < 0 || sc.items[c->flag].end == sc.items[c->flag].eq + 1) {
            flag = Py_NewRef(str_N);
        }
        else if ((flag = value_str(s, sc.items[c->flag].eq + 1, sc.items[c->flag].eq + 2)) == NULL) {
            Py_DECREF(value);
            goto done;
        }
        PyObject *factor = factor_str(s, c, tail);
        if (factor == NULL) {
            Py_DECREF(value);
            Py_DECREF(flag);
            goto done;
        }
        PyObject *call[5] = {station, factor, ts, value, flag};
        PyObject *reading = PyObject_Vectorcall(reading_type, call, 5, NULL);
        int rc = reading == NULL ? -1 : PyList_Append(readings, reading);
        Py_XDECREF(reading);
        if (rc == 0) {
            rc = PySet_Contains(valid_flags, flag);
            if (rc > 0) {
                PyObject *pair = PyTuple_Pack(2, value, flag);
                rc = pair == NULL ? -1 : PyDict_SetItem(stored, factor, pair);
                Py_XDECREF(pair);
            }
        }
        Py_DECREF(value);
        Py_DECREF(flag);
        Py_DECREF(factor);
        if (rc < 0) {
            goto done;
        }
    }
    if ((result = PyTuple_New(2)) == NULL) {
        goto done;
    }
    PyTuple_SET_ITEM(result, 0, readings);
    PyTuple_SET_ITEM(result, 1, stored);
    readings = stored = NULL;
done:
    if (codes != stack_codes) {
        PyMem_Free(codes);
    }
    if (slots != stack_slots) {
        PyMem_Free(slots);
    }
    scan_release(&sc);
    Py_XDECREF(readings);
    Py_XDECREF(stored);
    return result;
}

/* ---- hour_sums: the hourly roll-up of a batch of uploads (see the top of the file) -------------------- */

#define HOUR_FACTORS 64

typedef struct {
    PyObject *factor; /* borrowed from a cell */
    double total, comp;
    Py_ssize_t n;
} HourAcc;

/* Fold one hour's cells (a list of dicts) into accs; -1: not ordinary (the caller returns None). */
static int
hour_fold(PyObject *group, HourAcc *accs, int *count)
{
    Py_ssize_t cells = PyList_GET_SIZE(group);
    for (Py_ssize_t i = 0; i < cells; i++) {
        PyObject *cell = PyList_GET_ITEM(group, i), *factor, *vf;
        Py_ssize_t pos = 0;
        while (PyDict_Next(cell, &pos, &factor, &vf)) {
            if (!PyUnicode_CheckExact(factor) || !PyTuple_CheckExact(vf) || PyTuple_GET_SIZE(vf) != 2)
                return -1;
            PyObject *value = PyTuple_GET_ITEM(vf, 0), *flag = PyTuple_GET_ITEM(vf, 1);
            if (!PyFloat_CheckExact(value) || !PyUnicode_CheckExact(flag))
                return -1;
            if (flag != str_N && !(PyUnicode_GET_LENGTH(flag) == 1 && PyUnicode_READ_CHAR(flag, 0) == 'N'))
                continue;
            int k = 0;
            while (k < *count && accs[k].factor != factor && PyUnicode_Compare(accs[k].factor, factor) != 0)
                k++;
            double x = PyFloat_AS_DOUBLE(value);
            if (k == *count) {
                if (k == HOUR_FACTORS)
                    return -1;
                accs[k].factor = factor;
                accs[k].total = cells == 1 ? x : 0.0 + x; /* sum() starts from int 0: -0.0 becomes 0.0 */
                accs[k].comp = 0.0;
                accs[k].n = 1;
                (*count)++;
                continue;
            }
            HourAcc *a = &accs[k]; /* builtin sum() of floats in Python 3.12 (Neumaier) */
            double t = a->total + x;
            if (fabs(a->total) >= fabs(x))
                a->comp += (a->total - t) + x;
            else
                a->comp += (x - t) + a->total;
            a->total = t;
            a->n++;
        }
    }
    return 0;
}

/* Add one hour's sums to out under (station, factor, hour); -1 on MemoryError. */
static int
hour_emit(PyObject *out, PyObject *station, PyObject *hour, HourAcc *accs, int count)
{
    for (int k = 0; k < count; k++) {
        double total = accs[k].total;
        if (accs[k].comp != 0.0 && isfinite(accs[k].comp))
            total += accs[k].comp;
        PyObject *key = PyTuple_Pack(3, station, accs[k].factor, hour);
        PyObject *sum = Py_BuildValue("[dn]", total, accs[k].n);
        int failed = key == NULL || sum == NULL || PyDict_SetItem(out, key, sum) < 0;
        Py_XDECREF(key);
        Py_XDECREF(sum);
        if (failed)
            return -1;
    }
    return 0;
}

/* The cells grouped by (station, hour) in first-seen order; NULL with an error, or Py_None (a new
 * reference) when the cells are not ordinary. */
static PyObject *
hour_groups(PyObject *cells, double hour_s)
{
    PyObject *groups = PyDict_New(), *key, *cell;
    Py_ssize_t pos = 0;
    if (groups == NULL)
        return NULL;
    while (PyDict_Next(cells, &pos, &key, &cell)) {
        if (!PyTuple_CheckExact(key) || PyTuple_GET_SIZE(key) != 2 || !PyDict_CheckExact(cell) ||
            !PyUnicode_CheckExact(PyTuple_GET_ITEM(key, 0)) || !PyFloat_CheckExact(PyTuple_GET_ITEM(key, 1)))
            goto not_ordinary;
        double hour = floor(PyFloat_AS_DOUBLE(PyTuple_GET_ITEM(key, 1)) / hour_s);
        if (!isfinite(hour) || fabs(hour) > 9.0e15)
            goto not_ordinary;
        PyObject *gkey = Py_BuildValue("(OL)", PyTuple_GET_ITEM(key, 0), (long long)hour);
        if (gkey == NULL)
            goto error;
        PyObject *group = PyDict_GetItemWithError(groups, gkey); /* borrowed */
        int failed;
        if (group != NULL) {
            failed = PyList_Append(group, cell) < 0;
        } else if (PyErr_Occurred()) {
            failed = 1;
        } else {
            group = PyList_New(1);
            failed = group == NULL;
            if (!failed) {
                Py_INCREF(cell);
                PyList_SET_ITEM(group, 0, cell);
                failed = PyDict_SetItem(groups, gkey, group) < 0;
                Py_DECREF(group);
            }
        }
        Py_DECREF(gkey);
        if (failed)
            goto error;
    }
    return groups;
not_ordinary:
    Py_DECREF(groups);
    Py_RETURN_NONE;
error:
    Py_DECREF(groups);
    return NULL;
}

static PyObject *
speedups_hour_sums(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyDict_CheckExact(args[0]) || !PyFloat_CheckExact(args[1]) ||
        !(PyFloat_AS_DOUBLE(args[1]) > 0.0))
        Py_RETURN_NONE;
    PyObject *groups = hour_groups(args[0], PyFloat_AS_DOUBLE(args[1]));
    if (groups == NULL || groups == Py_None)
        return groups;
    PyObject *out = PyDict_New(), *gkey, *group;
    Py_ssize_t pos = 0;
    HourAcc accs[HOUR_FACTORS];
    if (out == NULL)
        goto error;
    while (PyDict_Next(groups, &pos, &gkey, &group)) {
        int count = 0;
        if (hour_fold(group, accs, &count) < 0) {
            Py_DECREF(groups);
            Py_DECREF(out);
            Py_RETURN_NONE;
        }
        if (hour_emit(out, PyTuple_GET_ITEM(gkey, 0), PyTuple_GET_ITEM(gkey, 1), accs, count) < 0)
            goto error;
    }
    Py_DECREF(groups);
    return out;
error:
    Py_DECREF(groups);
    Py_XDECREF(out);
    return NULL;
}

static PyMethodDef speedups_methods[] = {
    {"crc16", speedups_crc16, METH_O,
     "crc16(data) -> int\n\nHJ 212-2017 Appendix A CRC16 of a 1-D buffer of unsigned bytes "
     "(TypeError for anything else)."},
    {"parse_segment", speedups_parse_segment, METH_O,
     "parse_segment(text) -> (header, groups, cp, params) | None\n\nThe pure-Python parse of an ordinary "
     "well-formed data segment; None for anything else."},
    {"frame_segment", (PyCFunction)(void (*)(void))speedups_frame_segment, METH_FASTCALL,
     "frame_segment(raw, max_segment) -> (text, segment_length) | None\n\nThe data segment of a frame "
     "that passes every check of console.core.hj212.check_frame, as str with its length in bytes, when "
     "raw is bytes, max_segment an int, the CRC 4 hex digits and the segment ASCII; None for anything "
     "else."},
    {"upload_values", (PyCFunction)(void (*)(void))speedups_upload_values, METH_FASTCALL,
     "upload_values(cp, value_field, suffix, station, ts, reading_type, valid_flags)\n"
     "-> (readings, stored) | None\n\nconsole.core.uploads.upload_values_py for an ordinary data area "
     "(readings made by calling reading_type, stored values only for flags in valid_flags); None for "
     "anything else."},
    {"frame_upload", (PyCFunction)(void (*)(void))speedups_frame_upload, METH_FASTCALL,
     "frame_upload(raw, max_segment) -> (text, fields, stamp) | None\n\nFor a frame that frame_segment and "
     "parse_segment both accept: its segment as str, the header fields as Packet.fields gives them (the "
     "first of a repeated name wins) and the last DataTime param unchecked (None without one); None for "
     "anything else."},
    {"area_values", (PyCFunction)(void (*)(void))speedups_area_values, METH_FASTCALL,
     "area_values(text, value_field, suffix, station, ts, reading_type, valid_flags)\n"
     "-> (readings, stored) | None\n\nupload_values_py(parse_segment_py(text).cp, value_field, suffix, "
     "station, ts) for a segment parse_segment accepts, without building cp; None for anything else."},
    {"hour_sums", (PyCFunction)(void (*)(void))speedups_hour_sums, METH_FASTCALL,
     "hour_sums(cells, hour_s) -> {(station, factor, hour): [total, count]} | None\n\n"
     "console.hub.rollup.hour_sums_py for ordinary cells; None for anything else."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "console.core._hj212_speedups",
    "Optional C speedups for console.core.hj212 (same results as its pure-Python functions).",
    0,
    speedups_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__hj212_speedups(void)
{
    make_crc_tables();
    make_char_class();
    if (str_N == NULL) { /* kept for the life of the process, like the tables */
        if ((str_N = PyUnicode_InternFromString("N")) == NULL ||
            (str_RS = PyUnicode_InternFromString("RS")) == NULL ||
            (str_dash_RS = PyUnicode_InternFromString("-RS")) == NULL ||
            (str_Data = PyUnicode_InternFromString("Data")) == NULL ||
            (str_Flag = PyUnicode_InternFromString("Flag")) == NULL) {
            Py_CLEAR(str_N);
            Py_CLEAR(str_RS);
            Py_CLEAR(str_dash_RS);
            Py_CLEAR(str_Data);
            return NULL;
        }
    }
    return PyModule_Create(&speedups_module);
}
