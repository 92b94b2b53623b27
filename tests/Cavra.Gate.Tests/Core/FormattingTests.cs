using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;

namespace Cavra.Gate.Tests.Core;

public class FormattingTests
{
    [Theory]
    [InlineData(90.0, "90.0")]
    [InlineData(14.5, "14.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1.5e-05, "1.5e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(123456789012345.0, "123456789012345.0")]
    [InlineData(-2.25, "-2.25")]
    [InlineData(1.0 / 3, "0.3333333333333333")]
    public void Python_float_repr(double value, string expected) => Assert.Equal(expected, PythonFloat.Repr(value));

    [Theory]
    [InlineData(" 1e3 ", 1000.0)]
    [InlineData("1_0", 10.0)]
    [InlineData("-2.5", -2.5)]
    [InlineData("INF", double.PositiveInfinity)]
    [InlineData("-Infinity", double.NegativeInfinity)]
    public void Python_float_parse(string text, double expected)
    {
        Assert.True(PythonFloat.TryParse(text, out var v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1__0")]
    [InlineData("_1")]
    [InlineData("1,5")]
    public void Python_float_rejects(string text) => Assert.False(PythonFloat.TryParse(text, out _));

    [Fact]
    public void Nan_parses() { Assert.True(PythonFloat.TryParse("nan", out var v)); Assert.True(double.IsNaN(v)); }

    [Fact]
    public void Isoformat_like_python()
    {
        Assert.Equal("2026-11-25T12:00:00+00:00", IsoTimestamp.Format(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal("2026-11-25T12:00:00.123456+00:00", IsoTimestamp.Format(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero).AddTicks(1234567)));
        Assert.Equal("2026-11-25T10:00:00+00:00", IsoTimestamp.Format(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.FromHours(2))));
    }

    [Theory]
    [InlineData("2026-11-25T12:00:00+00:00", "2026-11-25T12:00:00+00:00")]
    [InlineData("2026-11-25T12:00:00Z", "2026-11-25T12:00:00+00:00")]
    [InlineData("2026-11-25T12:00:00.123456789+00:00", "2026-11-25T12:00:00.123456+00:00")]
    [InlineData("2026-11-25 14:00:00+02:00", "2026-11-25T12:00:00+00:00")]
    [InlineData("2026-11-25T17:30+0530", "2026-11-25T12:00:00+00:00")]
    [InlineData("2026-11-25", "2026-11-25T00:00:00+00:00")]
    [InlineData("2026-11-25T12:00:00", "2026-11-25T12:00:00+00:00")]
    [InlineData("20261125T120000Z", "2026-11-25T12:00:00+00:00")]
    public void Parses_upstream_timestamps(string text, string expectedUtc)
    {
        Assert.True(IsoTimestamp.TryParse(text, out var t));
        Assert.Equal(expectedUtc, IsoTimestamp.Format(t));
    }

    [Theory]
    [InlineData("2026-11-25T12:00:00z")]
    [InlineData("None")]
    [InlineData("2026-02-30")]
    [InlineData("2026-11-25T24:00:00")]
    [InlineData("yesterday")]
    [InlineData("2026-11-25T12:00:00+00:00 trailing")]
    public void Rejects_what_upstream_rejects(string text) => Assert.False(IsoTimestamp.TryParse(text, out _));

    [Fact]
    public void Canonical_writer_is_python_like()
    {
        var doc = new List<KeyValuePair<string, object?>>
        {
            new("float", 90.0), new("int", 7L), new("text", "a\"b"), new("none", null), new("list", new[] { "x" }),
            new("empty", Array.Empty<string>()), new("raw", StrictJsonParser.Parse("{\"n\": 15, \"f\": 7.50}")),
        };
        Assert.Equal("{\n  \"float\": 90.0,\n  \"int\": 7,\n  \"text\": \"a\\\"b\",\n  \"none\": null,\n  \"list\": [\n    \"x\"\n  ],\n  \"empty\": [],\n  \"raw\": {\n    \"n\": 15,\n    \"f\": 7.5\n  }\n}",
            CanonicalJsonWriter.Serialize(doc));
        Assert.Equal("{\"a\":[1,2],\"b\":{}}", CanonicalJsonWriter.Serialize(new Dictionary<string, object?> { ["a"] = new[] { 1, 2 }, ["b"] = new Dictionary<string, object?>() }, indented: false));
    }
}
