using System.Text;
using Cavra.Gate.Json;

namespace Cavra.Gate.Tests.Core;

public class StrictJsonParserTests
{
    private static JsonParseError Reject(string text)
    {
        Assert.False(StrictJsonParser.TryParse(Encoding.UTF8.GetBytes(text), out _, out var error));
        return error!;
    }

    [Fact]
    public void Keeps_member_order_and_number_kinds()
    {
        var v = (JsonObject)StrictJsonParser.Parse("{\"b\": 1, \"a\": 1.5, \"c\": [true, null, \"x\"]}");
        Assert.Equal(new[] { "b", "a", "c" }, v.Members.Select(m => m.Key));
        Assert.True(((JsonNumber)v.Get("b")!).IsInteger);
        Assert.False(((JsonNumber)v.Get("a")!).IsInteger);
        Assert.Equal(3, ((JsonArray)v.Get("c")!).Count);
    }

    [Theory]
    [InlineData("{\"a\": 1, \"a\": 2}", "Duplicate key \"a\"")]
    [InlineData("{\"a\": NaN}", "NaN")]
    [InlineData("{\"a\": Infinity}", "Infinity")]
    [InlineData("{\"a\": -Infinity}", "-Infinity")]
    [InlineData("", "Expecting value: line 1 column 1 (char 0)")]
    [InlineData("{\"a\": 1} x", "Extra data")]
    [InlineData("{\"a\": 01}", "Expecting ',' delimiter")]
    [InlineData("{'a': 1}", "Expecting property name enclosed in double quotes")]
    [InlineData("{\"a\": \"x\ny\"}", "Invalid control character")]
    [InlineData("{\"a\": 1e999}", "out of range")]
    public void Rejects_with_a_message_naming_the_problem(string text, string expected)
        => Assert.Contains(expected, Reject(text).Message);

    [Fact]
    public void Duplicate_keys_are_found_in_nested_objects()
        => Assert.Contains("Duplicate key \"k\"", Reject("{\"o\": {\"k\": 1, \"k\": 1}}").Message);

    [Theory]
    [InlineData(3)]   // found by the scan small objects get
    [InlineData(14)]  // the repeat is the 16th member: the last the scan covers
    [InlineData(15)]  // the 17th: the first the set covers, built from the members so far
    [InlineData(30)]
    public void Duplicate_keys_are_found_at_any_position_in_a_large_object(int repeatAt)
    {
        var members = Enumerable.Range(0, 40).Select(i => $"\"k{i}\": {i}").ToList();
        Assert.True(StrictJsonParser.TryParse("{" + string.Join(", ", members) + "}", out var whole, out _));
        Assert.Equal(40, ((JsonObject)whole).Count);
        members.Insert(repeatAt + 1, $"\"k{repeatAt}\": 0");
        Assert.Contains($"Duplicate key \"k{repeatAt}\"", Reject("{" + string.Join(", ", members) + "}").Message);
        members.RemoveAt(repeatAt + 1);
        members.Add("\"k0\": 0"); // the first member, repeated after the set took over
        Assert.Contains("Duplicate key \"k0\"", Reject("{" + string.Join(", ", members) + "}").Message);
    }

    [Fact]
    public void Rejects_nesting_deeper_than_64()
    {
        Assert.True(StrictJsonParser.TryParse(new string('[', 64) + new string(']', 64), out _, out _));
        Assert.Contains("deeper than 64", Reject(new string('[', 65) + new string(']', 65)).Message);
    }

    [Fact]
    public void Accepts_a_utf8_bom()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("{\"a\": \"é\"}")).ToArray();
        Assert.True(StrictJsonParser.TryParse(bytes, out var v, out _));
        Assert.Equal("é", ((JsonString)((JsonObject)v).Get("a")!).Value);
    }

    [Fact]
    public void Rejects_invalid_utf8()
    {
        Assert.False(StrictJsonParser.TryParse(new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}' }, out _, out var error));
        Assert.Contains("not valid UTF-8", error!.Message);
    }

    [Fact]
    public void Decodes_escapes()
    {
        var v = (JsonString)StrictJsonParser.Parse("\"a\\u00e9\\n\\\"\\/\"");
        Assert.Equal("aé\n\"/", v.Value);
    }
}
