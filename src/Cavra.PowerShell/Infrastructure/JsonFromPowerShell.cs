using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using Cavra.Gate.Json;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>Turns what a PowerShell user passes (hashtable, PSCustomObject from ConvertFrom-Json, JSON text) into a JSON value.</summary>
    internal static class JsonFromPowerShell
    {
        private const int MaxDepth = 64;

        public static bool TryConvertObject(object? input, out JsonObject? value, out string error)
        {
            value = null;
            error = "";
            if (input == null) return true;
            try
            {
                var converted = Convert(input, 0);
                if (converted is JsonObject o) { value = o; return true; }
                error = "must be an object (a hashtable, a PSCustomObject or JSON object text)";
                return false;
            }
            catch (FormatException ex) { error = ex.Message; return false; }
        }

        private static JsonValue Convert(object? input, int depth)
        {
            if (depth > MaxDepth) throw new FormatException($"is nested deeper than {MaxDepth} levels");
            if (input is PSObject pso && !(pso.BaseObject is PSCustomObject)) input = pso.BaseObject;
            switch (input)
            {
                case null: return JsonNull.Instance;
                case JsonValue j: return j;
                case string s when depth == 0:
                    if (!StrictJsonParser.TryParse(s, out var parsed, out var err)) throw new FormatException("is not valid JSON: " + err!.Message);
                    return parsed;
                case string s: return new JsonString(s);
                case char c: return new JsonString(c.ToString());
                case bool b: return b ? JsonBoolean.True : JsonBoolean.False;
                case byte _: case sbyte _: case short _: case ushort _: case int _: case uint _: case long _:
                    return JsonNumber.FromInteger(System.Convert.ToInt64(input, CultureInfo.InvariantCulture));
                case float _: case double _: case decimal _:
                    double d = System.Convert.ToDouble(input, CultureInfo.InvariantCulture);
                    if (double.IsNaN(d) || double.IsInfinity(d)) throw new FormatException("contains a number that is not finite");
                    return JsonNumber.FromDouble(d);
                case DateTime dt: return new JsonString(Cavra.Gate.Time.IsoTimestamp.Format(new DateTimeOffset(dt.ToUniversalTime())));
                case DateTimeOffset dto: return new JsonString(Cavra.Gate.Time.IsoTimestamp.Format(dto));
                case IDictionary dict:
                {
                    var members = new List<KeyValuePair<string, JsonValue>>();
                    foreach (DictionaryEntry e in dict) members.Add(new KeyValuePair<string, JsonValue>(System.Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? "", Convert(e.Value, depth + 1)));
                    return new JsonObject(members);
                }
                case PSObject custom:
                {
                    var members = new List<KeyValuePair<string, JsonValue>>();
                    foreach (var p in custom.Properties) members.Add(new KeyValuePair<string, JsonValue>(p.Name, Convert(p.Value, depth + 1)));
                    return new JsonObject(members);
                }
                case IEnumerable list:
                {
                    var items = new List<JsonValue>();
                    foreach (var item in list) items.Add(Convert(item, depth + 1));
                    return new JsonArray(items);
                }
                default: return new JsonString(System.Convert.ToString(input, CultureInfo.InvariantCulture) ?? "");
            }
        }
    }
}
