using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cavra.Gate.Json
{
    /// <summary>Why a document was rejected. <see cref="Message"/> names the problem and where it is.</summary>
    public sealed class JsonParseError
    {
        public JsonParseError(string message, int line, int column, int offset)
        { Message = message; Line = line; Column = column; Offset = offset; }
        public string Message { get; }
        public int Line { get; }
        public int Column { get; }
        public int Offset { get; }
        public override string ToString() => Message;
    }

    /// <summary>
    /// The one JSON reader every input goes through: System.Text.Json's <see cref="Utf8JsonReader"/> with RFC 8259 only
    /// (no comments, no trailing commas, one value, nesting at most <see cref="MaxDepth"/>), plus the rules its options do
    /// not cover (docs/design/evidence.md §1.1): invalid UTF-8 anywhere, duplicate keys and numbers out of
    /// double range are refused; a leading UTF-8 BOM is accepted (Windows PowerShell 5.1 writes one). NaN/Infinity are
    /// not JSON tokens, so the reader refuses them. Errors are worded as Python's json module words them, with
    /// line/column/char positions, because upstream CAVRA's messages are part of the reports.
    /// </summary>
    public static class StrictJsonParser
    {
        public const int MaxDepth = 64;
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);
        private static readonly JsonReaderOptions ReaderOptions = new JsonReaderOptions
        {
            MaxDepth = MaxDepth,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        };

        public static bool TryParse(byte[] bytes, out JsonValue value, out JsonParseError? error)
        {
            int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            // The reader only checks UTF-8 inside strings it is asked to decode; check the whole text first.
            try { StrictUtf8.GetCharCount(bytes, start, bytes.Length - start); }
            catch (DecoderFallbackException ex)
            {
                value = JsonNull.Instance;
                int at = ex.Index >= 0 ? ex.Index + start : 0;
                error = new JsonParseError($"file is not valid UTF-8 (invalid byte at offset {at})", 1, 1, at);
                return false;
            }
            return TryParseUtf8(new ReadOnlySpan<byte>(bytes, start, bytes.Length - start), out value, out error);
        }

        public static bool TryParse(string text, out JsonValue value, out JsonParseError? error)
        {
            if (text.Length > 0 && text[0] == '\uFEFF')
            {
                // A BOM is a byte-level matter; inside already-decoded text it is a stray character.
                value = JsonNull.Instance;
                error = new JsonParseError("Expecting value: line 1 column 1 (char 0)", 1, 1, 0);
                return false;
            }
            return TryParseUtf8(Encoding.UTF8.GetBytes(text), out value, out error);
        }

        /// <summary>Parses or throws <see cref="FormatException"/>; for trusted inputs such as built-in tables and tests.</summary>
        public static JsonValue Parse(string text)
        {
            if (!TryParse(text, out var v, out var e)) throw new FormatException(e!.Message);
            return v;
        }

        private sealed class Frame
        {
            public List<KeyValuePair<string, JsonValue>>? Members;
            public HashSet<string>? Seen;
            public List<JsonValue>? Items;
            public string? PendingName;
        }

        /// <summary>Parses UTF-8 as it is: no byte-order mark is skipped and the text is assumed already checked as UTF-8.</summary>
        internal static bool TryParseUtf8(ReadOnlySpan<byte> utf8, out JsonValue value, out JsonParseError? error)
        {
            value = JsonNull.Instance;
            error = null;
            var reader = new Utf8JsonReader(utf8, ReaderOptions);
            var stack = new Stack<Frame>();
            JsonValue? root = null;
            int lastGood = 0;
            var previous = JsonTokenType.None;
            try
            {
                while (reader.Read())
                {
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.StartObject:
                            stack.Push(new Frame { Members = new List<KeyValuePair<string, JsonValue>>() });
                            break;
                        case JsonTokenType.StartArray:
                            stack.Push(new Frame { Items = new List<JsonValue>() });
                            break;
                        case JsonTokenType.EndObject:
                            Add(stack, ref root, new JsonObject(stack.Pop().Members!));
                            break;
                        case JsonTokenType.EndArray:
                            Add(stack, ref root, new JsonArray(stack.Pop().Items!));
                            break;
                        case JsonTokenType.PropertyName:
                            var frame = stack.Peek();
                            string name = ReadString(ref reader);
                            if (IsDuplicate(frame, name)) { error = Error($"Duplicate key \"{name}\"", utf8, (int)reader.TokenStartIndex); return false; }
                            frame.PendingName = name;
                            break;
                        case JsonTokenType.String:
                            Add(stack, ref root, new JsonString(ReadString(ref reader)));
                            break;
                        case JsonTokenType.Number:
                            var number = ReadNumber(reader.ValueSpan);
                            if (number == null) { error = Error("Number is out of range", utf8, (int)reader.TokenStartIndex); return false; }
                            Add(stack, ref root, number);
                            break;
                        case JsonTokenType.True: Add(stack, ref root, JsonBoolean.True); break;
                        case JsonTokenType.False: Add(stack, ref root, JsonBoolean.False); break;
                        case JsonTokenType.Null: Add(stack, ref root, JsonNull.Instance); break;
                    }
                    previous = reader.TokenType;
                    lastGood = (int)reader.BytesConsumed;
                }
            }
            catch (JsonException)
            {
                error = Describe(utf8, lastGood, previous, stack.Count, stack.Count > 0 && stack.Peek().Members != null);
                return false;
            }
            if (root == null) { error = Error("Expecting value", utf8, 0); return false; }
            value = root;
            return true;
        }

        /// <summary>The string's value. Python and Go both accept a \uXXXX escape that leaves half a surrogate pair (the
        /// engine later turns it into U+FFFD as Go does); GetString refuses it, so such a string is unescaped here from
        /// the token the reader has already validated.</summary>
        private static string ReadString(ref Utf8JsonReader reader)
        {
            try { return reader.GetString()!; }
            catch (InvalidOperationException) when (reader.ValueIsEscaped) { return UnescapeLenient(reader.ValueSpan); }
        }

        private static string UnescapeLenient(ReadOnlySpan<byte> raw)
        {
            var sb = new StringBuilder(raw.Length);
            int run = 0;
            for (int i = 0; i < raw.Length; i++)
            {
                if (raw[i] != '\\') continue;
                if (i > run) sb.Append(Encoding.UTF8.GetString(raw.Slice(run, i - run).ToArray()));
                byte e = raw[++i];
                switch (e)
                {
                    case (byte)'b': sb.Append('\b'); break;
                    case (byte)'f': sb.Append('\f'); break;
                    case (byte)'n': sb.Append('\n'); break;
                    case (byte)'r': sb.Append('\r'); break;
                    case (byte)'t': sb.Append('\t'); break;
                    case (byte)'u':
                        sb.Append((char)int.Parse(Encoding.ASCII.GetString(raw.Slice(i + 1, 4).ToArray()), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default: sb.Append((char)e); break; // '"', '\\', '/'
                }
                run = i + 1;
            }
            if (raw.Length > run) sb.Append(Encoding.UTF8.GetString(raw.Slice(run).ToArray()));
            return sb.ToString();
        }

        /// <summary>A scan for small objects (a runtime reply has 13 to 17 members), a set once an object grows past that.</summary>
        private static bool IsDuplicate(Frame frame, string name)
        {
            var members = frame.Members!;
            if (frame.Seen == null)
            {
                if (members.Count < 16)
                {
                    for (int i = 0; i < members.Count; i++)
                        if (string.Equals(members[i].Key, name, StringComparison.Ordinal)) return true;
                    return false;
                }
                frame.Seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var m in members) frame.Seen.Add(m.Key);
            }
            return !frame.Seen.Add(name);
        }

        private static void Add(Stack<Frame> stack, ref JsonValue? root, JsonValue value)
        {
            if (stack.Count == 0) { root = value; return; }
            var frame = stack.Peek();
            if (frame.Items != null) frame.Items.Add(value);
            else frame.Members!.Add(new KeyValuePair<string, JsonValue>(frame.PendingName!, value));
        }

        /// <summary>A number token as Python reads it: an int literal stays an int; anything beyond double range is refused.</summary>
        private static JsonNumber? ReadNumber(ReadOnlySpan<byte> token)
        {
            bool integer = token.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
            string raw = Encoding.ASCII.GetString(token.ToArray());
            // .NET Framework's TryParse fails on overflow, .NET Core's returns infinity: both mean out of range.
            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || double.IsInfinity(d)) return null;
            return new JsonNumber(d, integer, raw);
        }

        // ---- Error wording. The reader decided that the text is not JSON; this finds the first deviation after the
        // last token it accepted and names it as Python's json module does. It decides nothing about acceptance.

        private enum Expect { Value, ValueOrClose, Name, NameOrClose, CommaOrClose, End }

        private static JsonParseError Describe(ReadOnlySpan<byte> s, int from, JsonTokenType previous, int depth, bool inObject)
        {
            Expect expect;
            switch (previous)
            {
                case JsonTokenType.None: expect = Expect.Value; break;
                case JsonTokenType.StartObject: expect = Expect.NameOrClose; break;
                case JsonTokenType.StartArray: expect = Expect.ValueOrClose; break;
                // The reader consumes the ':' with the name.
                case JsonTokenType.PropertyName: expect = Expect.Value; break;
                default: expect = depth == 0 ? Expect.End : Expect.CommaOrClose; break;
            }
            int i = from;
            while (true)
            {
                SkipWhitespace(s, ref i);
                bool atEnd = i >= s.Length;
                switch (expect)
                {
                    case Expect.End:
                        return Error("Extra data", s, i);
                    case Expect.CommaOrClose:
                        if (atEnd || s[i] != ',') return Error("Expecting ',' delimiter", s, i);
                        i++;
                        expect = inObject ? Expect.Name : Expect.Value;
                        continue;
                    case Expect.NameOrClose:
                    case Expect.Name:
                        if (atEnd || s[i] != '"') return Error("Expecting property name enclosed in double quotes", s, i);
                        var nameProblem = ScanString(s, ref i);
                        if (nameProblem != null) return nameProblem;
                        SkipWhitespace(s, ref i);
                        if (i >= s.Length || s[i] != ':') return Error("Expecting ':' delimiter", s, i);
                        i++;
                        expect = Expect.Value;
                        continue;
                    case Expect.ValueOrClose:
                    case Expect.Value:
                        if (atEnd) return Error("Expecting value", s, i);
                        byte c = s[i];
                        if (c == '{' || c == '[')
                        {
                            if (depth >= MaxDepth) return Error($"JSON nesting is deeper than {MaxDepth} levels", s, i);
                            depth++;
                            i++;
                            inObject = c == '{';
                            expect = inObject ? Expect.NameOrClose : Expect.ValueOrClose;
                            continue;
                        }
                        var valueProblem = ScanScalar(s, ref i);
                        if (valueProblem != null) return valueProblem;
                        expect = depth == 0 ? Expect.End : Expect.CommaOrClose;
                        continue;
                }
            }
        }

        private static JsonParseError? ScanScalar(ReadOnlySpan<byte> s, ref int i)
        {
            int begin = i;
            byte c = s[i];
            if (c == '"') return ScanString(s, ref i);
            if (StartsWith(s, i, "true")) { i += 4; return null; }
            if (StartsWith(s, i, "false")) { i += 5; return null; }
            if (StartsWith(s, i, "null")) { i += 4; return null; }
            if (StartsWith(s, i, "NaN")) return Error("NaN is not a valid JSON number", s, i);
            if (StartsWith(s, i, "Infinity")) return Error("Infinity is not a valid JSON number", s, i);
            if (StartsWith(s, i, "-Infinity")) return Error("-Infinity is not a valid JSON number", s, i);
            if (c != '-' && !IsDigit(c)) return Error("Expecting value", s, i);
            if (c == '-') i++;
            if (i >= s.Length || !IsDigit(s[i])) return Error("Expecting value", s, begin);
            if (s[i] == '0') i++;
            else while (i < s.Length && IsDigit(s[i])) i++;
            if (i < s.Length && s[i] == '.')
            {
                i++;
                if (i >= s.Length || !IsDigit(s[i])) return Error("Expecting digits after the decimal point", s, begin);
                while (i < s.Length && IsDigit(s[i])) i++;
            }
            if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
            {
                i++;
                if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
                if (i >= s.Length || !IsDigit(s[i])) return Error("Expecting digits in the exponent", s, begin);
                while (i < s.Length && IsDigit(s[i])) i++;
            }
            if (ReadNumber(s.Slice(begin, i - begin)) == null) return Error("Number is out of range", s, begin);
            return null;
        }

        private static JsonParseError? ScanString(ReadOnlySpan<byte> s, ref int i)
        {
            int begin = i;
            i++; // opening quote
            while (true)
            {
                if (i >= s.Length) return Error("Unterminated string starting at", s, begin);
                byte c = s[i];
                if (c == '"') { i++; return null; }
                if (c < 0x20) return Error("Invalid control character at", s, i);
                if (c == '\\')
                {
                    i++;
                    if (i >= s.Length) return Error("Unterminated string starting at", s, begin);
                    byte e = s[i];
                    if (e == 'u')
                    {
                        for (int k = 1; k <= 4; k++)
                            if (i + k >= s.Length || !IsHex(s[i + k])) return Error("Invalid \\uXXXX escape", s, i);
                        i += 4;
                    }
                    else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't')
                        return Error("Invalid \\escape", s, i);
                }
                i++;
            }
        }

        private static void SkipWhitespace(ReadOnlySpan<byte> s, ref int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
        }

        private static bool StartsWith(ReadOnlySpan<byte> s, int i, string literal)
        {
            if (i + literal.Length > s.Length) return false;
            for (int k = 0; k < literal.Length; k++) if (s[i + k] != literal[k]) return false;
            return true;
        }

        private static bool IsDigit(byte c) => c >= '0' && c <= '9';
        private static bool IsHex(byte c) => IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

        /// <summary>Python's position wording: line and column count characters, not bytes, from 1; char from 0.</summary>
        private static JsonParseError Error(string what, ReadOnlySpan<byte> s, int byteOffset)
        {
            if (byteOffset > s.Length) byteOffset = s.Length;
            int lineStart = 0, line = 1;
            for (int k = 0; k < byteOffset; k++) if (s[k] == '\n') { line++; lineStart = k + 1; }
            int at = CharCount(s.Slice(0, byteOffset));
            int column = CharCount(s.Slice(lineStart, byteOffset - lineStart)) + 1;
            return new JsonParseError($"{what}: line {line} column {column} (char {at})", line, column, at);
        }

        private static int CharCount(ReadOnlySpan<byte> utf8) => utf8.Length == 0 ? 0 : Encoding.UTF8.GetCharCount(utf8.ToArray());
    }
}
