using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Cavra.Gate.Json;

namespace Cavra.Gate.Tests.Core
{
    /// <summary>
    /// The hand-written reader the engine used before System.Text.Json, kept only while the migration's fuzz test
    /// proves the two agree on accept/reject. Delete with that test's migration half.
    /// </summary>
    internal static class LegacyJsonParser
    {
        public const int MaxDepth = 64;
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        public static bool TryParse(byte[] bytes, out JsonValue value, out JsonParseError? error)
        {
            int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            string text;
            try { text = StrictUtf8.GetString(bytes, start, bytes.Length - start); }
            catch (DecoderFallbackException ex)
            {
                value = JsonNull.Instance;
                int at = ex.Index >= 0 ? ex.Index + start : 0;
                error = new JsonParseError($"file is not valid UTF-8 (invalid byte at offset {at})", 1, 1, at);
                return false;
            }
            return TryParse(text, out value, out error);
        }

        public static bool TryParse(string text, out JsonValue value, out JsonParseError? error)
        {
            var p = new Parser(text);
            try
            {
                p.SkipWhitespace();
                if (p.AtEnd) throw p.Fail("Expecting value");
                value = p.ParseValue(0);
                p.SkipWhitespace();
                if (!p.AtEnd) throw p.Fail("Extra data");
                error = null;
                return true;
            }
            catch (ParseFailure f)
            {
                value = JsonNull.Instance;
                error = f.Error;
                return false;
            }
        }

        /// <summary>Parses or throws <see cref="FormatException"/>; for trusted inputs such as built-in tables and tests.</summary>
        public static JsonValue Parse(string text)
        {
            if (!TryParse(text, out var v, out var e)) throw new FormatException(e!.Message);
            return v;
        }

        private sealed class ParseFailure : Exception
        {
            public ParseFailure(JsonParseError error) : base(error.Message) { Error = error; }
            public JsonParseError Error { get; }
        }

        private sealed class Parser
        {
            private readonly string _s;
            private int _i;
            public Parser(string s) { _s = s; }
            public bool AtEnd => _i >= _s.Length;

            public ParseFailure Fail(string what) => Fail(what, _i);

            public ParseFailure Fail(string what, int at)
            {
                int line = 1, col = 1;
                for (int k = 0; k < at && k < _s.Length; k++)
                {
                    if (_s[k] == '\n') { line++; col = 1; } else col++;
                }
                return new ParseFailure(new JsonParseError($"{what}: line {line} column {col} (char {at})", line, col, at));
            }

            public void SkipWhitespace()
            {
                while (_i < _s.Length)
                {
                    char c = _s[_i];
                    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') _i++; else break;
                }
            }

            public JsonValue ParseValue(int depth)
            {
                if (_i >= _s.Length) throw Fail("Expecting value");
                char c = _s[_i];
                switch (c)
                {
                    case '{': return ParseObject(depth + 1);
                    case '[': return ParseArray(depth + 1);
                    case '"': return new JsonString(ParseString());
                    case 't': Expect("true"); return JsonBoolean.True;
                    case 'f': Expect("false"); return JsonBoolean.False;
                    case 'n': Expect("null"); return JsonNull.Instance;
                    case 'N':
                        if (string.CompareOrdinal(_s, _i, "NaN", 0, 3) == 0) throw Fail("NaN is not a valid JSON number");
                        break;
                    case 'I':
                        if (string.CompareOrdinal(_s, _i, "Infinity", 0, 8) == 0) throw Fail("Infinity is not a valid JSON number");
                        break;
                }
                if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
                throw Fail("Expecting value");
            }

            private void Expect(string literal)
            {
                if (string.CompareOrdinal(_s, _i, literal, 0, literal.Length) != 0) throw Fail("Expecting value");
                _i += literal.Length;
            }

            private JsonValue ParseObject(int depth)
            {
                if (depth > MaxDepth) throw Fail($"JSON nesting is deeper than {MaxDepth} levels");
                _i++; // {
                var members = new List<KeyValuePair<string, JsonValue>>();
                HashSet<string>? seen = null;
                SkipWhitespace();
                if (_i < _s.Length && _s[_i] == '}') { _i++; return new JsonObject(members); }
                while (true)
                {
                    SkipWhitespace();
                    if (_i >= _s.Length || _s[_i] != '"') throw Fail("Expecting property name enclosed in double quotes");
                    int keyAt = _i;
                    string key = ParseString();
                    seen ??= new HashSet<string>(StringComparer.Ordinal);
                    if (!seen.Add(key)) throw Fail($"Duplicate key \"{key}\"", keyAt);
                    SkipWhitespace();
                    if (_i >= _s.Length || _s[_i] != ':') throw Fail("Expecting ':' delimiter");
                    _i++;
                    SkipWhitespace();
                    members.Add(new KeyValuePair<string, JsonValue>(key, ParseValue(depth)));
                    SkipWhitespace();
                    if (_i >= _s.Length) throw Fail("Expecting ',' delimiter");
                    char c = _s[_i];
                    if (c == ',') { _i++; continue; }
                    if (c == '}') { _i++; return new JsonObject(members); }
                    throw Fail("Expecting ',' delimiter");
                }
            }

            private JsonValue ParseArray(int depth)
            {
                if (depth > MaxDepth) throw Fail($"JSON nesting is deeper than {MaxDepth} levels");
                _i++; // [
                var items = new List<JsonValue>();
                SkipWhitespace();
                if (_i < _s.Length && _s[_i] == ']') { _i++; return new JsonArray(items); }
                while (true)
                {
                    SkipWhitespace();
                    items.Add(ParseValue(depth));
                    SkipWhitespace();
                    if (_i >= _s.Length) throw Fail("Expecting ',' delimiter");
                    char c = _s[_i];
                    if (c == ',') { _i++; continue; }
                    if (c == ']') { _i++; return new JsonArray(items); }
                    throw Fail("Expecting ',' delimiter");
                }
            }

            private string ParseString()
            {
                int begin = _i;
                _i++; // opening quote
                StringBuilder? sb = null;
                int runStart = _i;
                while (true)
                {
                    if (_i >= _s.Length) throw Fail("Unterminated string starting at", begin);
                    char c = _s[_i];
                    if (c == '"')
                    {
                        string result = sb == null ? _s.Substring(runStart, _i - runStart) : sb.Append(_s, runStart, _i - runStart).ToString();
                        _i++;
                        return result;
                    }
                    if (c < 0x20) throw Fail("Invalid control character at");
                    if (c == '\\')
                    {
                        sb ??= new StringBuilder();
                        sb.Append(_s, runStart, _i - runStart);
                        _i++;
                        if (_i >= _s.Length) throw Fail("Unterminated string starting at", begin);
                        char e = _s[_i];
                        switch (e)
                        {
                            case '"': sb.Append('"'); break;
                            case '\\': sb.Append('\\'); break;
                            case '/': sb.Append('/'); break;
                            case 'b': sb.Append('\b'); break;
                            case 'f': sb.Append('\f'); break;
                            case 'n': sb.Append('\n'); break;
                            case 'r': sb.Append('\r'); break;
                            case 't': sb.Append('\t'); break;
                            case 'u':
                                if (_i + 4 >= _s.Length) throw Fail("Invalid \\uXXXX escape");
                                if (!int.TryParse(_s.Substring(_i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                                    throw Fail("Invalid \\uXXXX escape");
                                sb.Append((char)code);
                                _i += 4;
                                break;
                            default: throw Fail("Invalid \\escape");
                        }
                        _i++;
                        runStart = _i;
                        continue;
                    }
                    _i++;
                }
            }

            private JsonValue ParseNumber()
            {
                int begin = _i;
                bool integer = true;
                if (_s[_i] == '-')
                {
                    _i++;
                    if (string.CompareOrdinal(_s, _i, "Infinity", 0, 8) == 0) throw Fail("-Infinity is not a valid JSON number", begin);
                }
                if (_i >= _s.Length || !IsDigit(_s[_i])) throw Fail("Expecting value", begin);
                if (_s[_i] == '0') _i++;
                else while (_i < _s.Length && IsDigit(_s[_i])) _i++;
                if (_i < _s.Length && _s[_i] == '.')
                {
                    integer = false;
                    _i++;
                    if (_i >= _s.Length || !IsDigit(_s[_i])) throw Fail("Expecting digits after the decimal point", begin);
                    while (_i < _s.Length && IsDigit(_s[_i])) _i++;
                }
                if (_i < _s.Length && (_s[_i] == 'e' || _s[_i] == 'E'))
                {
                    integer = false;
                    _i++;
                    if (_i < _s.Length && (_s[_i] == '+' || _s[_i] == '-')) _i++;
                    if (_i >= _s.Length || !IsDigit(_s[_i])) throw Fail("Expecting digits in the exponent", begin);
                    while (_i < _s.Length && IsDigit(_s[_i])) _i++;
                }
                string raw = _s.Substring(begin, _i - begin);
                double d = double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (double.IsInfinity(d)) throw Fail("Number is out of range", begin);
                return new JsonNumber(d, integer, raw);
            }

            private static bool IsDigit(char c) => c >= '0' && c <= '9';
        }
    }
}
