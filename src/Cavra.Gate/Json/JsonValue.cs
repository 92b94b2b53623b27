using System;
using System.Collections.Generic;
using System.Globalization;

namespace Cavra.Gate.Json
{
    public enum JsonKind { Object, Array, String, Number, Boolean, Null }

    /// <summary>An immutable JSON value as read by <see cref="StrictJsonParser"/>. Objects keep member order.</summary>
    public abstract class JsonValue
    {
        public abstract JsonKind Kind { get; }

        /// <summary>Python truthiness: null, false, 0, "", [] and {} are falsy.</summary>
        public abstract bool IsTruthy { get; }

        public bool IsString => Kind == JsonKind.String;
        public bool IsObject => Kind == JsonKind.Object;
        public bool IsArray => Kind == JsonKind.Array;
        public bool IsNull => Kind == JsonKind.Null;
        public bool IsTrue => this is JsonBoolean b && b.Value;
        public bool IsFalse => this is JsonBoolean b && !b.Value;
    }

    public sealed class JsonObject : JsonValue
    {
        public static readonly JsonObject Empty = new JsonObject(new List<KeyValuePair<string, JsonValue>>());

        private readonly List<KeyValuePair<string, JsonValue>> _members;
        private Dictionary<string, JsonValue>? _index;

        public JsonObject(List<KeyValuePair<string, JsonValue>> members) { _members = members; }

        public override JsonKind Kind => JsonKind.Object;
        public override bool IsTruthy => _members.Count > 0;
        public IReadOnlyList<KeyValuePair<string, JsonValue>> Members => _members;
        public int Count => _members.Count;

        public bool TryGet(string name, out JsonValue value)
        {
            // A runtime decision has 13 to 17 members and is read a handful of times per action: a scan is cheaper than
            // building an index (names are unique: the strict parser refuses duplicates).
            if (_members.Count <= 16)
            {
                for (int i = 0; i < _members.Count; i++)
                    if (string.Equals(_members[i].Key, name, StringComparison.Ordinal)) { value = _members[i].Value; return true; }
                value = JsonNull.Instance;
                return false;
            }
            _index ??= BuildIndex();
            if (_index.TryGetValue(name, out var found)) { value = found; return true; }
            value = JsonNull.Instance;
            return false;
        }

        /// <summary>The member's value, or null when the member is absent (a JSON null is returned as <see cref="JsonNull"/>).</summary>
        public JsonValue? Get(string name) => TryGet(name, out var v) ? v : null;

        public bool Contains(string name) => TryGet(name, out _);

        /// <summary>Compact canonical JSON, so a record's GoDecision reads as the runtime's answer, not a type name.</summary>
        public override string ToString() => Serialization.CanonicalJsonWriter.Serialize(this, indented: false);

        private Dictionary<string, JsonValue> BuildIndex()
        {
            var d = new Dictionary<string, JsonValue>(StringComparer.Ordinal);
            foreach (var m in _members) d[m.Key] = m.Value;
            return d;
        }
    }

    public sealed class JsonArray : JsonValue
    {
        public static readonly JsonArray Empty = new JsonArray(new List<JsonValue>());
        private readonly List<JsonValue> _items;
        public JsonArray(List<JsonValue> items) { _items = items; }
        public override JsonKind Kind => JsonKind.Array;
        public override bool IsTruthy => _items.Count > 0;
        public IReadOnlyList<JsonValue> Items => _items;
        public int Count => _items.Count;
        public override string ToString() => Serialization.CanonicalJsonWriter.Serialize(this, indented: false);
    }

    public sealed class JsonString : JsonValue
    {
        public JsonString(string value) { Value = value; }
        public string Value { get; }
        public override JsonKind Kind => JsonKind.String;
        public override bool IsTruthy => Value.Length > 0;
        public override string ToString() => Value;
    }

    /// <summary>A JSON number. <see cref="IsInteger"/> remembers whether the token was an integer literal,
    /// because Python keeps ints and floats apart and the canonical output must too.</summary>
    public sealed class JsonNumber : JsonValue
    {
        public JsonNumber(double value, bool isInteger, string raw) { Value = value; IsInteger = isInteger; Raw = raw; }
        public static JsonNumber FromDouble(double value) => new JsonNumber(value, false, value.ToString("R", CultureInfo.InvariantCulture));
        public static JsonNumber FromInteger(long value) => new JsonNumber(value, true, value.ToString(CultureInfo.InvariantCulture));
        public double Value { get; }
        public bool IsInteger { get; }
        public string Raw { get; }
        public override JsonKind Kind => JsonKind.Number;
        public override bool IsTruthy => Value != 0; // NaN != 0, and NaN is truthy in Python too
        public override string ToString() => Raw;
    }

    public sealed class JsonBoolean : JsonValue
    {
        public static readonly JsonBoolean True = new JsonBoolean(true);
        public static readonly JsonBoolean False = new JsonBoolean(false);
        private JsonBoolean(bool value) { Value = value; }
        public bool Value { get; }
        public override JsonKind Kind => JsonKind.Boolean;
        public override bool IsTruthy => Value;
    }

    public sealed class JsonNull : JsonValue
    {
        public static readonly JsonNull Instance = new JsonNull();
        private JsonNull() { }
        public override JsonKind Kind => JsonKind.Null;
        public override bool IsTruthy => false;
    }
}
