using System;
using System.Collections;
using System.Globalization;
using System.Text;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// A check's extras as people read them (the HTML report, received verdicts, the console): one "key: value" line each,
    /// scalars as text and structures as compact canonical JSON. Defined once so every view shows the same words.
    /// </summary>
    public static class CheckDetails
    {
        /// <summary>A check's extras as "key: value" lines, scalars as text and structures as compact canonical JSON.</summary>
        public static string Lines(ReadinessCheck check)
        {
            var sb = new StringBuilder();
            foreach (DictionaryEntry e in check.Extras)
            {
                if (sb.Length > 0) sb.Append('\n');
                sb.Append((string)e.Key).Append(": ").Append(Text(e.Value));
            }
            return sb.ToString();
        }

        /// <summary>One detail value as <see cref="Lines(ReadinessCheck)"/> writes it, for hosts that format received checks.</summary>
        public static string Value(object? value) => Text(value);

        private static string Text(object? value)
        {
            switch (value)
            {
                case null: return "(none)";
                case string s: return s.Length == 0 ? "(empty)" : s;
                case bool b: return b ? "true" : "false";
                case Enum e: return CanonicalName.Of(e);
                case DateTimeOffset t: return IsoTimestamp.Format(t);
                case JsonString js: return js.Value;
                case ICanonicalJson c when !(c is JsonValue):
                    // Rows such as CI runner targets read as their own one-line text, as they do in the console.
                    return c.ToString() ?? "";
                case JsonValue _:
                case IDictionary _:
                    return CanonicalJsonWriter.Serialize(value, indented: false);
                case IEnumerable list:
                    var items = new StringBuilder();
                    foreach (var item in list) { if (items.Length > 0) items.Append(", "); items.Append(Text(item)); }
                    return items.Length == 0 ? "(none)" : items.ToString();
                default:
                    string text = CanonicalJsonWriter.Serialize(value, indented: false);
                    return text.Length > 1 && text[0] == '"' ? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "" : text;
            }
        }
    }
}
