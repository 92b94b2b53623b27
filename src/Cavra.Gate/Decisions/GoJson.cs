using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Cavra.Gate.Json;

namespace Cavra.Gate.Decisions
{
    /// <summary>
    /// The parts of Go's <c>encoding/json</c>, <c>strings</c> and <c>fmt</c> behaviour the runtime's decisions depend on
    /// (docs/design/decisions.md §2.2): case-insensitive field binding, null handling, type errors, TrimSpace, Sprint of decoded
    /// values, and the encoder's escaping. Kept in one place so every loader binds input exactly the same way.
    /// </summary>
    internal static class GoJson
    {
        /// <summary>
        /// True when a JSON key binds to a Go struct field whose tag is <paramref name="field"/> (lower-case ASCII and '_').
        /// Go prefers an exact match but accepts a case-insensitive one: it compares <c>ToUpper(ToLower(rune))</c>, under
        /// which the only non-ASCII runes that meet ASCII letters are U+017F (s), U+212A (k), U+0130 and U+0131 (i).
        /// </summary>
        public static bool KeyMatches(string key, string field)
        {
            if (key.Length != field.Length) return false;
            for (int i = 0; i < key.Length; i++)
            {
                char c = key[i];
                char f = field[i];
                if (c == f) continue;
                if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
                else if (c == '\u017F') c = 's';                    // long s
                else if (c == '\u212A') c = 'k';                    // Kelvin sign
                else if (c == '\u0130' || c == '\u0131') c = 'i';  // dotted capital I, dotless small i
                if (c != f) return false;
            }
            return true;
        }

        /// <summary>Go's name for a JSON value's kind in an UnmarshalTypeError ("string", "number", "bool", "array", "object").</summary>
        public static string KindName(JsonValue value)
        {
            switch (value.Kind)
            {
                case JsonKind.String: return "string";
                case JsonKind.Number: return "number";
                case JsonKind.Boolean: return "bool";
                case JsonKind.Array: return "array";
                case JsonKind.Object: return "object";
                default: return "null";
            }
        }

        public static string TypeError(JsonValue value, string structName, string fieldPath, string goType)
            => $"json: cannot unmarshal {KindName(value)} into Go struct field {structName}.{fieldPath} of type {goType}";

        public static string ValueTypeError(JsonValue value, string goType)
            => $"json: cannot unmarshal {KindName(value)} into Go value of type {goType}";

        /// <summary>
        /// Decodes a JSON string into a Go <c>string</c> field: a string sets it, null leaves it unchanged, anything
        /// else is a type error. Lone UTF-16 surrogates become U+FFFD, as Go's decoder does.
        /// </summary>
        public static bool TryString(JsonValue value, ref string target, string structName, string fieldPath, ref string? error)
        {
            if (value is JsonString s) { target = Sanitize(s.Value); return true; }
            if (value.Kind == JsonKind.Null) return true;
            error ??= TypeError(value, structName, fieldPath, "string");
            return false;
        }

        /// <summary>Decodes into a Go <c>[]string</c>: null resets it to nil, an array replaces it (null items become ""), else a type error.</summary>
        public static bool TryStringList(JsonValue value, ref List<string>? target, string structName, string fieldPath, ref string? error)
        {
            if (value.Kind == JsonKind.Null) { target = null; return true; }
            if (!(value is JsonArray a)) { error ??= TypeError(value, structName, fieldPath, "[]string"); return false; }
            var list = new List<string>(a.Count);
            bool ok = true;
            foreach (var item in a.Items)
            {
                if (item is JsonString s) list.Add(Sanitize(s.Value));
                else if (item.Kind == JsonKind.Null) list.Add("");
                else { error ??= TypeError(item, structName, fieldPath, "string"); ok = false; list.Add(""); }
            }
            target = list;
            return ok;
        }

        /// <summary>Decodes into a Go <c>int</c> (64-bit): only an integer literal that fits; null leaves it unchanged.</summary>
        public static bool TryInt(JsonValue value, ref long target, string structName, string fieldPath, ref string? error)
        {
            if (value.Kind == JsonKind.Null) return true;
            if (value is JsonNumber n)
            {
                if (n.IsInteger && long.TryParse(n.Raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)) { target = v; return true; }
                error ??= $"json: cannot unmarshal number {n.Raw} into Go struct field {structName}.{fieldPath} of type int";
                return false;
            }
            error ??= TypeError(value, structName, fieldPath, "int");
            return false;
        }

        /// <summary>Decodes into a Go <c>bool</c>: true/false; null leaves it unchanged.</summary>
        public static bool TryBool(JsonValue value, ref bool target, string structName, string fieldPath, ref string? error)
        {
            if (value.Kind == JsonKind.Null) return true;
            if (value is JsonBoolean b) { target = b.Value; return true; }
            error ??= TypeError(value, structName, fieldPath, "bool");
            return false;
        }

        /// <summary>Replaces lone UTF-16 surrogates by U+FFFD (Go decodes an unpaired \uD800 escape that way). Allocation-free when clean.</summary>
        public static string Sanitize(string s)
        {
            int i = 0;
            for (; i < s.Length; i++)
            {
                char c = s[i];
                if (c < '\uD800' || c > '\uDFFF') continue;
                if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
                break;
            }
            if (i == s.Length) return s;
            var sb = new StringBuilder(s.Length);
            sb.Append(s, 0, i);
            for (; i < s.Length; i++)
            {
                char c = s[i];
                if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { sb.Append(c).Append(s[i + 1]); i++; }
                else if (char.IsSurrogate(c)) sb.Append('\uFFFD');
                else sb.Append(c);
            }
            return sb.ToString();
        }

        /// <summary>Go's <c>unicode.IsSpace</c> (the set <c>strings.TrimSpace</c> removes), independent of the .NET Unicode tables.</summary>
        public static bool IsSpace(char c)
        {
            if (c <= '\u00A0')
                return c == ' ' || (c >= '\t' && c <= '\r') || c == '\u0085' || c == '\u00A0';
            return c == '\u1680' || (c >= '\u2000' && c <= '\u200A') || c == '\u2028' || c == '\u2029'
                || c == '\u202F' || c == '\u205F' || c == '\u3000';
        }

        /// <summary>Go's <c>strings.TrimSpace</c>; returns the same instance when nothing is trimmed.</summary>
        public static string TrimSpace(string s)
        {
            int start = 0, end = s.Length;
            while (start < end && IsSpace(s[start])) start++;
            while (end > start && IsSpace(s[end - 1])) end--;
            return start == 0 && end == s.Length ? s : s.Substring(start, end - start);
        }

        /// <summary>
        /// Go's <c>fmt.Sprint</c> of a value decoded into <c>any</c>: float64 numbers in %v form (<c>1</c>, <c>1.5</c>,
        /// <c>1e+06</c>), bools, strings unquoted, <c>[a b]</c> slices, <c>map[k:v]</c> maps with sorted keys, <c>&lt;nil&gt;</c>.
        /// </summary>
        public static string Sprint(JsonValue value)
        {
            var sb = new StringBuilder();
            AppendSprint(sb, value);
            return sb.ToString();
        }

        private static void AppendSprint(StringBuilder sb, JsonValue value)
        {
            switch (value)
            {
                case JsonString s: sb.Append(s.Value); break;
                case JsonBoolean b: sb.Append(b.Value ? "true" : "false"); break;
                case JsonNumber n: sb.Append(FormatFloatG(n.Value)); break;
                case JsonArray a:
                    sb.Append('[');
                    for (int i = 0; i < a.Count; i++)
                    {
                        if (i > 0) sb.Append(' ');
                        AppendSprint(sb, a.Items[i]);
                    }
                    sb.Append(']');
                    break;
                case JsonObject o:
                    var keys = new List<KeyValuePair<string, JsonValue>>(o.Members);
                    keys.Sort((x, y) => string.CompareOrdinal(x.Key, y.Key));
                    sb.Append("map[");
                    for (int i = 0; i < keys.Count; i++)
                    {
                        if (i > 0) sb.Append(' ');
                        sb.Append(keys[i].Key).Append(':');
                        AppendSprint(sb, keys[i].Value);
                    }
                    sb.Append(']');
                    break;
                default: sb.Append("<nil>"); break;
            }
        }

        /// <summary>Go <c>fmt.Sprint</c> of a float64 (<c>strconv.FormatFloat(f, 'g', -1, 64)</c>): shortest digits, exponent form when the decimal exponent is &lt; -4 or &gt;= 6.</summary>
        internal static string FormatFloatG(double value)
        {
            if (double.IsNaN(value)) return "NaN";
            if (double.IsPositiveInfinity(value)) return "+Inf";
            if (double.IsNegativeInfinity(value)) return "-Inf";
            if (value == 0) return (1 / value) < 0 ? "-0" : "0";
            Serialization.PythonFloat.Decompose(value, out bool negative, out string digits, out int exp);
            int dp = exp + 1; // decimal point position relative to digits
            // %v for float64 is %g with shortest precision, for which strconv decides with eprec = 6.
            var sb = new StringBuilder();
            if (negative) sb.Append('-');
            if (exp < -4 || exp >= 6)
            {
                sb.Append(digits[0]);
                if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
                sb.Append('e').Append(exp < 0 ? '-' : '+');
                int ax = Math.Abs(exp);
                if (ax < 10) sb.Append('0');
                sb.Append(ax.ToString(CultureInfo.InvariantCulture));
            }
            else if (dp <= 0)
            {
                sb.Append("0.").Append('0', -dp).Append(digits);
            }
            else if (dp >= digits.Length)
            {
                sb.Append(digits).Append('0', dp - digits.Length);
            }
            else
            {
                sb.Append(digits, 0, dp).Append('.').Append(digits, dp, digits.Length - dp);
            }
            return sb.ToString();
        }

        /// <summary>
        /// Appends a JSON string literal the way Go's encoder writes it: <c>\"</c> <c>\\</c> <c>\b</c> <c>\f</c> <c>\n</c>
        /// <c>\r</c> <c>\t</c>, other control characters as <c>\u00XX</c>, and (HTML-safe mode) <c>&lt;</c> <c>&gt;</c>
        /// <c>&amp;</c> U+2028 U+2029 as <c>\u003c</c>…; lone surrogates as <c>\ufffd</c>. Other characters raw.
        /// </summary>
        public static void AppendString(StringBuilder sb, string s, bool htmlSafe)
        {
            sb.Append('"');
            int run = 0;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                string? esc = null;
                if (c < 0x20 || c == '"' || c == '\\')
                {
                    switch (c)
                    {
                        case '"': esc = "\\\""; break;
                        case '\\': esc = "\\\\"; break;
                        case '\b': esc = "\\b"; break;
                        case '\f': esc = "\\f"; break;
                        case '\n': esc = "\\n"; break;
                        case '\r': esc = "\\r"; break;
                        case '\t': esc = "\\t"; break;
                        default: esc = "\\u00" + Hex[c >> 4] + Hex[c & 0xF]; break;
                    }
                }
                else if (htmlSafe && (c == '<' || c == '>' || c == '&'))
                {
                    esc = c == '<' ? "\\u003c" : c == '>' ? "\\u003e" : "\\u0026";
                }
                else if (c == '\u2028' || c == '\u2029')
                {
                    esc = c == '\u2028' ? "\\u2028" : "\\u2029";
                }
                else if (c >= '\uD800' && c <= '\uDFFF')
                {
                    if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
                    esc = "\\ufffd";
                }
                if (esc == null) continue;
                sb.Append(s, run, i - run).Append(esc);
                run = i + 1;
            }
            sb.Append(s, run, s.Length - run);
            sb.Append('"');
        }

        private static readonly string[] Hex = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f" };

        /// <summary>Compact JSON of a parsed value (keys in stored order), Go escaping; used for the runtime request payload.</summary>
        public static void AppendCompact(StringBuilder sb, JsonValue value)
        {
            switch (value)
            {
                case JsonObject o:
                    sb.Append('{');
                    for (int i = 0; i < o.Count; i++)
                    {
                        if (i > 0) sb.Append(',');
                        AppendString(sb, o.Members[i].Key, true);
                        sb.Append(':');
                        AppendCompact(sb, o.Members[i].Value);
                    }
                    sb.Append('}');
                    break;
                case JsonArray a:
                    sb.Append('[');
                    for (int i = 0; i < a.Count; i++)
                    {
                        if (i > 0) sb.Append(',');
                        AppendCompact(sb, a.Items[i]);
                    }
                    sb.Append(']');
                    break;
                case JsonString s: AppendString(sb, s.Value, true); break;
                case JsonNumber n: sb.Append(n.Raw); break;
                case JsonBoolean b: sb.Append(b.Value ? "true" : "false"); break;
                default: sb.Append("null"); break;
            }
        }
    }
}
