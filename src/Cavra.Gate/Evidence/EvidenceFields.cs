using System.Collections.Generic;
using Cavra.Gate.Json;

namespace Cavra.Gate.Evidence
{
    /// <summary>
    /// Reading evidence fields with upstream's semantics and this project's strictness (docs/design/evidence.md §1.3):
    /// a JSON null or a non-string never counts as a non-empty string; lists must really be lists of strings.
    /// </summary>
    public static class EvidenceFields
    {
        /// <summary>The member's string value; "" when absent, null, or not a string (never Python's "None").</summary>
        public static string Text(JsonObject o, string key) => o.Get(key) is JsonString s ? s.Value : "";

        /// <summary>The member when it is a JSON object, else an empty object (upstream uses nested objects only when they are dicts).</summary>
        public static JsonObject Object(JsonObject o, string key) => o.Get(key) as JsonObject ?? JsonObject.Empty;

        /// <summary>True only for the JSON literal true (strict: "true" and 1 do not count).</summary>
        public static bool IsTrue(JsonObject o, string key) => o.Get(key) is JsonBoolean b && b.Value;

        /// <summary>Upstream <c>_positive_number</c>: a JSON number (not a bool, not a numeric string) greater than zero.</summary>
        public static bool IsPositiveNumber(JsonValue? v) => v is JsonNumber n && n.Value > 0;

        /// <summary>A number as a plain .NET value that keeps Python's int/float distinction: long for integer tokens, else double.</summary>
        public static object? Number(JsonValue? v)
        {
            if (!(v is JsonNumber n)) return null;
            if (n.IsInteger && n.Value >= long.MinValue && n.Value <= long.MaxValue && long.TryParse(n.Raw, out long l)) return l;
            return n.Value;
        }

        /// <summary>A positive number as a plain .NET value (see <see cref="Number"/>), else null.</summary>
        public static object? PositiveNumber(JsonValue? v) => IsPositiveNumber(v) ? Number(v) : null;

        /// <summary>
        /// A list of strings. Absent gives the empty list and is valid; present it must be an array whose every
        /// element is a string (null, a scalar or an object is invalid). <paramref name="items"/> is empty when invalid.
        /// </summary>
        public static bool StringList(JsonObject o, string key, out IReadOnlyList<string> items)
        {
            items = System.Array.Empty<string>();
            var v = o.Get(key);
            if (v == null) return true;
            if (!(v is JsonArray a)) return false;
            var list = new List<string>(a.Count);
            foreach (var item in a.Items)
            {
                if (!(item is JsonString s)) return false;
                list.Add(s.Value);
            }
            items = list;
            return true;
        }

        /// <summary>Upstream <c>_unique_sorted</c>: truthy elements as text, de-duplicated, ordinal order.</summary>
        public static List<string> UniqueSorted(IEnumerable<string> values)
        {
            var set = new SortedSet<string>(System.StringComparer.Ordinal);
            foreach (var v in values) if (!string.IsNullOrEmpty(v)) set.Add(v);
            return new List<string>(set);
        }
    }
}
