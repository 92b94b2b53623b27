using System;
using System.Collections.Generic;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;

namespace Cavra.Gate.Authoring
{
    /// <summary>An evidence document being authored: members in upstream's key order, written as canonical JSON.</summary>
    public sealed class EvidenceDocument : ICanonicalJson
    {
        private readonly List<KeyValuePair<string, JsonValue>> _members = new List<KeyValuePair<string, JsonValue>>();

        public EvidenceDocument Add(string key, JsonValue value) { _members.Add(new KeyValuePair<string, JsonValue>(key, value)); return this; }
        public EvidenceDocument Add(string key, string value) => Add(key, new JsonString(value));
        public EvidenceDocument Add(string key, bool value) => Add(key, value ? JsonBoolean.True : JsonBoolean.False);
        public EvidenceDocument Add(string key, double value) => Add(key, Number(value));
        public EvidenceDocument Add(string key, DateTimeOffset value) => Add(key, new JsonString(IsoTimestamp.Format(value)));
        public EvidenceDocument Add(string key, IEnumerable<string> values) => Add(key, Strings(values));

        /// <summary>Adds the member only when the value is not empty.</summary>
        public EvidenceDocument AddIfSet(string key, string? value) => string.IsNullOrEmpty(value) ? this : Add(key, value!);

        public JsonObject ToJsonObject() => new JsonObject(new List<KeyValuePair<string, JsonValue>>(_members));

        public void WriteJson(CanonicalJsonWriter writer) => writer.WriteValue(ToJsonObject());

        /// <summary>Whole numbers are written as integers (7, not 7.0), as upstream's fixtures do.</summary>
        public static JsonNumber Number(double value) =>
            Math.Abs(value) < 1e15 && value == Math.Floor(value) ? JsonNumber.FromInteger((long)value) : JsonNumber.FromDouble(value);

        public static JsonArray Strings(IEnumerable<string> values)
        {
            var items = new List<JsonValue>();
            foreach (var v in values) items.Add(new JsonString(v));
            return new JsonArray(items);
        }

        /// <summary>A JSON object as an authorable document (e.g. an existing drill history to append to).</summary>
        public static EvidenceDocument From(JsonObject source)
        {
            var doc = new EvidenceDocument();
            foreach (var m in source.Members) doc.Add(m.Key, m.Value);
            return doc;
        }

        /// <summary>Replaces a member's value in place, or appends it.</summary>
        public EvidenceDocument Set(string key, JsonValue value)
        {
            for (int i = 0; i < _members.Count; i++)
                if (_members[i].Key == key) { _members[i] = new KeyValuePair<string, JsonValue>(key, value); return this; }
            return Add(key, value);
        }

        /// <summary>Inserts a member right after <paramref name="afterKey"/> (first when it is absent); the key must be new.</summary>
        public EvidenceDocument InsertAfter(string afterKey, string key, JsonValue value)
        {
            int at = _members.FindIndex(m => m.Key == afterKey) + 1;
            _members.Insert(at, new KeyValuePair<string, JsonValue>(key, value));
            return this;
        }
    }
}
