using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Cavra.Gate.Json;
using Cavra.Gate.Time;

namespace Cavra.Gate.Serialization
{
    /// <summary>
    /// Writes CAVRA's canonical JSON: UTF-8 text, two-space indent, keys in the order callers write them, Python-style
    /// numbers (ints stay ints, floats keep '.0'). Shared by every -AsJson switch and the HTTP API so they serve one text.
    /// Non-finite floats are written as null: upstream cannot serialise them at all.
    /// </summary>
    public sealed class CanonicalJsonWriter
    {
        private readonly StringBuilder _sb = new StringBuilder(1024);
        private readonly bool _indented;
        private int _depth;
        private bool _first = true;
        private bool _afterName;

        public CanonicalJsonWriter(bool indented = true) { _indented = indented; }

        public static string Serialize(object? value, bool indented = true)
        {
            var w = new CanonicalJsonWriter(indented);
            w.WriteValue(value);
            return w.ToString();
        }

        public override string ToString() => _sb.ToString();

        public CanonicalJsonWriter StartObject() { BeforeValue(); _sb.Append('{'); _depth++; _first = true; return this; }
        public CanonicalJsonWriter EndObject() => Close('}');
        public CanonicalJsonWriter StartArray() { BeforeValue(); _sb.Append('['); _depth++; _first = true; return this; }
        public CanonicalJsonWriter EndArray() => Close(']');

        public CanonicalJsonWriter Name(string name)
        {
            if (!_first) _sb.Append(',');
            NewLine();
            WriteString(name);
            _sb.Append(_indented ? ": " : ":");
            _first = false;
            _afterName = true;
            return this;
        }

        public CanonicalJsonWriter Property(string name, object? value) { Name(name); WriteValue(value); return this; }

        public void WriteValue(object? value)
        {
            switch (value)
            {
                case null: Raw("null"); break;
                case string s: BeforeValue(); WriteString(s); break;
                case bool b: Raw(b ? "true" : "false"); break;
                case int i: Raw(i.ToString(CultureInfo.InvariantCulture)); break;
                case long l: Raw(l.ToString(CultureInfo.InvariantCulture)); break;
                case double d: Raw(double.IsNaN(d) || double.IsInfinity(d) ? "null" : PythonFloat.Repr(d)); break;
                case DateTimeOffset t: BeforeValue(); WriteString(IsoTimestamp.Format(t)); break;
                case Enum e: BeforeValue(); WriteString(CanonicalName.Of(e)); break;
                case ICanonicalJson c: c.WriteJson(this); break;
                case JsonValue j: WriteJsonValue(j); break;
                case IEnumerable<KeyValuePair<string, object?>> map:
                    StartObject();
                    foreach (var kv in map) Property(kv.Key, kv.Value);
                    EndObject();
                    break;
                case IDictionary dict:
                    StartObject();
                    foreach (DictionaryEntry kv in dict) Property(Convert.ToString(kv.Key, CultureInfo.InvariantCulture) ?? "", kv.Value);
                    EndObject();
                    break;
                case IEnumerable list:
                    StartArray();
                    foreach (var item in list) WriteValue(item);
                    EndArray();
                    break;
                default:
                    BeforeValue();
                    WriteString(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
                    break;
            }
        }

        private void WriteJsonValue(JsonValue j)
        {
            switch (j)
            {
                case JsonObject o:
                    StartObject();
                    foreach (var m in o.Members) { Name(m.Key); WriteJsonValue(m.Value); }
                    EndObject();
                    break;
                case JsonArray a:
                    StartArray();
                    foreach (var item in a.Items) WriteJsonValue(item);
                    EndArray();
                    break;
                case JsonString s: BeforeValue(); WriteString(s.Value); break;
                case JsonNumber n: Raw(n.IsInteger ? n.Raw : PythonFloat.Repr(n.Value)); break;
                case JsonBoolean b: Raw(b.Value ? "true" : "false"); break;
                default: Raw("null"); break;
            }
        }

        private CanonicalJsonWriter Close(char bracket)
        {
            _depth--;
            if (!_first) NewLine();
            _sb.Append(bracket);
            _first = false;
            return this;
        }

        private void Raw(string token) { BeforeValue(); _sb.Append(token); }

        private void BeforeValue()
        {
            if (_afterName) { _afterName = false; return; }
            if (_depth == 0) { _first = false; return; }
            if (!_first) _sb.Append(',');
            NewLine();
            _first = false;
        }

        private void NewLine()
        {
            if (!_indented) return;
            _sb.Append('\n');
            _sb.Append(' ', _depth * 2);
        }

        private void WriteString(string s)
        {
            _sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': _sb.Append("\\\""); break;
                    case '\\': _sb.Append("\\\\"); break;
                    case '\n': _sb.Append("\\n"); break;
                    case '\r': _sb.Append("\\r"); break;
                    case '\t': _sb.Append("\\t"); break;
                    case '\b': _sb.Append("\\b"); break;
                    case '\f': _sb.Append("\\f"); break;
                    default:
                        if (c < 0x20) _sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else _sb.Append(c);
                        break;
                }
            }
            _sb.Append('"');
        }
    }

    /// <summary>snake_case names of enum members (NeedsAttention → needs_attention), the wire form of every status.</summary>
    public static class CanonicalName
    {
        public static string Of(Enum value)
        {
            string name = value.ToString();
            var sb = new StringBuilder(name.Length + 4);
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (char.IsUpper(c))
                {
                    if (i > 0) sb.Append('_');
                    sb.Append(char.ToLowerInvariant(c));
                }
                else sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
