using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Cavra.Gate.Json;
using Cavra.Gate.Time;

namespace Cavra.Gate.Serialization
{
    /// <summary>
    /// Writes CAVRA's canonical JSON through System.Text.Json's <see cref="Utf8JsonWriter"/>: UTF-8 text, two-space
    /// indent with "\n" line ends, keys in the order callers write them, Python-style numbers (ints stay ints, floats
    /// keep '.0', via <see cref="PythonFloat"/>), and Python's <c>ensure_ascii=False</c> escaping (only '"', '\\' and
    /// control characters are escaped; everything else is written as itself). Shared by every -AsJson switch and the
    /// HTTP API so they serve one text. Non-finite floats are written as null: upstream cannot serialise them at all.
    /// </summary>
    public sealed class CanonicalJsonWriter
    {
        private static readonly byte[] NewLineAndIndent = Encoding.ASCII.GetBytes("\n" + new string(' ', 2 * 1000));
        private readonly MemoryStream _buffer = new MemoryStream(1024);
        private readonly Utf8JsonWriter _writer;
        private readonly bool _indented;
        private bool _afterName;

        public CanonicalJsonWriter(bool indented = true)
        {
            _indented = indented;
            _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions
            {
                Indented = indented,
                NewLine = "\n",
                Encoder = PythonStringEscaper.Instance,
                // The callers build documents in code; a structural slip is a bug the golden tests catch.
                SkipValidation = true,
            });
        }

        public static string Serialize(object? value, bool indented = true)
        {
            var w = new CanonicalJsonWriter(indented);
            w.WriteValue(value);
            return w.ToString();
        }

        /// <summary>The UTF-8 text written so far.</summary>
        public byte[] ToUtf8Bytes()
        {
            _writer.Flush();
            return _buffer.ToArray();
        }

        public override string ToString()
        {
            _writer.Flush();
            return Encoding.UTF8.GetString(_buffer.GetBuffer(), 0, (int)_buffer.Length);
        }

        public CanonicalJsonWriter StartObject() { _afterName = false; _writer.WriteStartObject(); return this; }
        public CanonicalJsonWriter EndObject() { _writer.WriteEndObject(); return this; }
        public CanonicalJsonWriter StartArray() { _afterName = false; _writer.WriteStartArray(); return this; }
        public CanonicalJsonWriter EndArray() { _writer.WriteEndArray(); return this; }

        public CanonicalJsonWriter Name(string name)
        {
            _writer.WritePropertyName(name);
            _afterName = true;
            return this;
        }

        public CanonicalJsonWriter Property(string name, object? value) { Name(name); WriteValue(value); return this; }

        public void WriteValue(object? value)
        {
            switch (value)
            {
                case null: Null(); break;
                case string s: String(s); break;
                case bool b: _afterName = false; _writer.WriteBooleanValue(b); break;
                case int i: _afterName = false; _writer.WriteNumberValue(i); break;
                case long l: _afterName = false; _writer.WriteNumberValue(l); break;
                case double d: if (double.IsNaN(d) || double.IsInfinity(d)) Null(); else Raw(PythonFloat.Repr(d)); break;
                case DateTimeOffset t: String(IsoTimestamp.Format(t)); break;
                case Enum e: String(CanonicalName.Of(e)); break;
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
                    String(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
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
                case JsonString s: String(s.Value); break;
                case JsonNumber n: Raw(n.IsInteger ? n.Raw : PythonFloat.Repr(n.Value)); break;
                case JsonBoolean b: _afterName = false; _writer.WriteBooleanValue(b.Value); break;
                default: Null(); break;
            }
        }

        private void String(string s) { _afterName = false; _writer.WriteStringValue(s); }
        private void Null() { _afterName = false; _writer.WriteNullValue(); }

        /// <summary>A number token in our own (Python) formatting. Utf8JsonWriter does not indent raw values inside
        /// arrays, so the line break and indent it would have written go in front of the token.</summary>
        private void Raw(string token)
        {
            int depth = _writer.CurrentDepth;
            if (_indented && !_afterName && depth > 0)
            {
                var bytes = new byte[1 + 2 * depth + token.Length];
                Buffer.BlockCopy(NewLineAndIndent, 0, bytes, 0, 1 + 2 * depth);
                for (int k = 0; k < token.Length; k++) bytes[1 + 2 * depth + k] = (byte)token[k];
                _writer.WriteRawValue(bytes, skipInputValidation: true);
            }
            else _writer.WriteRawValue(token, skipInputValidation: true);
            _afterName = false;
        }
    }

    /// <summary>
    /// Python's <c>json.dumps(ensure_ascii=False)</c> escaping for <see cref="Utf8JsonWriter"/>: '"', '\\' and the C0
    /// controls are escaped (\n, \r, \t, \b, \f, otherwise \u00xx in lower case); every other character, non-ASCII
    /// included, is written as itself. A lone surrogate cannot be written as UTF-8 and becomes U+FFFD.
    /// </summary>
    internal sealed class PythonStringEscaper : JavaScriptEncoder
    {
        public static readonly PythonStringEscaper Instance = new PythonStringEscaper();
        private PythonStringEscaper() { }

        public override int MaxOutputCharactersPerInputCharacter => 6;

        public override bool WillEncode(int unicodeScalar) => unicodeScalar < 0x20 || unicodeScalar == '"' || unicodeScalar == '\\';

        public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
        {
            for (int i = 0; i < textLength; i++)
            {
                char c = text[i];
                if (c < 0x20 || c == '"' || c == '\\') return i;
                if (char.IsSurrogate(c))
                {
                    // A pair passes as itself; half a pair goes through the encoder, which substitutes U+FFFD.
                    if (char.IsHighSurrogate(c) && i + 1 < textLength && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
                    return i;
                }
            }
            return -1;
        }

        public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
        {
            // Multi-byte sequences never need escaping; invalid UTF-8 cannot reach here (strings come from .NET text).
            for (int i = 0; i < utf8Text.Length; i++)
            {
                byte b = utf8Text[i];
                if (b < 0x20 || b == '"' || b == '\\') return i;
            }
            return -1;
        }

        public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
        {
            string escaped;
            switch (unicodeScalar)
            {
                case '"': escaped = "\\\""; break;
                case '\\': escaped = "\\\\"; break;
                case '\n': escaped = "\\n"; break;
                case '\r': escaped = "\\r"; break;
                case '\t': escaped = "\\t"; break;
                case '\b': escaped = "\\b"; break;
                case '\f': escaped = "\\f"; break;
                default:
                    if (unicodeScalar >= 0x20)
                    {
                        // Not ours to escape: the scalar as itself (one char, or a surrogate pair).
                        string text = char.ConvertFromUtf32(unicodeScalar);
                        if (bufferLength < text.Length) { numberOfCharactersWritten = 0; return false; }
                        for (int k = 0; k < text.Length; k++) buffer[k] = text[k];
                        numberOfCharactersWritten = text.Length;
                        return true;
                    }
                    escaped = "\\u" + unicodeScalar.ToString("x4", CultureInfo.InvariantCulture);
                    break;
            }
            if (bufferLength < escaped.Length) { numberOfCharactersWritten = 0; return false; }
            for (int k = 0; k < escaped.Length; k++) buffer[k] = escaped[k];
            numberOfCharactersWritten = escaped.Length;
            return true;
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
