using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Time;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Decisions;

/// <summary>
/// Upstream conformance data, vendored in the repository (tests/conformance, see its README): found by walking up from
/// the test binaries to the folder holding Cavra.PowerShell.sln. Nothing outside the repository is read.
/// </summary>
internal static class Conformance
{
    public static readonly DateTimeOffset PinnedNow = new DateTimeOffset(2026, 5, 18, 12, 0, 0, TimeSpan.Zero).AddTicks(1_234_000);

    private static readonly Lazy<(string? Dir, string Problem)> Folder = new(Locate);

    private static (string?, string) Locate()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Cavra.PowerShell.sln"))) dir = dir.Parent;
        if (dir == null)
            return (null, $"conformance data not found: no folder above {AppContext.BaseDirectory} holds Cavra.PowerShell.sln");
        string conformance = Path.Combine(dir.FullName, "tests", "conformance");
        if (!Directory.Exists(conformance))
            return (null, $"conformance data not found: expected the vendored upstream fixtures in {conformance}");
        return (conformance, "");
    }

    /// <summary>The tests/conformance folder of this repository.</summary>
    public static string Root
    {
        get
        {
            var (dir, problem) = Folder.Value;
            return dir ?? throw new InvalidOperationException(problem);
        }
    }

    public static string PathOf(string file)
    {
        var (dir, problem) = Folder.Value;
        if (dir == null) throw new InvalidOperationException(problem);
        string path = Path.Combine(dir, file);
        if (!File.Exists(path)) throw new InvalidOperationException($"conformance file missing: {path}");
        return path;
    }

    public static JsonValue Read(string file)
    {
        string path = PathOf(file);
        if (!StrictJsonParser.TryParse(File.ReadAllBytes(path), out var value, out var error))
            throw new InvalidOperationException($"{path}: {error}");
        return value;
    }

    /// <summary>The case names of a fixture file, for [MemberData]; a missing file yields one sentinel whose test fails with the reason.</summary>
    public static IEnumerable<object[]> CaseNames(string file)
    {
        List<object[]> names;
        try
        {
            names = ((JsonArray)Read(file)).Items.Select(c => new object[] { Text((JsonObject)c, "name") }).ToList();
        }
        catch (Exception ex)
        {
            names = new List<object[]> { new object[] { "!" + ex.Message } };
        }
        return names;
    }

    public static JsonObject Case(string file, string name)
    {
        if (name.StartsWith('!')) throw new InvalidOperationException(name.Substring(1));
        return ((JsonArray)Read(file)).Items.Cast<JsonObject>().Single(c => Text(c, "name") == name);
    }

    public static string Text(JsonObject o, string key) => o.Get(key) is JsonString s ? s.Value : "";

    public static CompiledPolicy CompiledPolicyFixture()
    {
        Assert.True(CompiledPolicy.TryLoad(Read("compiled_policy.json"), out var policy, out var error), error);
        return policy;
    }

    public static TrustRegistry RegistryFixture(string file = "mcp_registry.json")
    {
        Assert.True(TrustRegistry.TryLoad(Read(file), out var registry, out var error), error);
        return registry;
    }

    public static FakeTimeProvider Clock() => new FakeTimeProvider(PinnedNow);

    /// <summary>Fixture semantics of docs/design/decisions.md §7.</summary>
    public static void AssertExpected(JsonObject expected, Decision d, bool approverExact)
    {
        Assert.Equal(Text(expected, "decision"), d.Verdict);
        Assert.Equal(Text(expected, "rule_id"), d.RuleId);
        Assert.Equal(Text(expected, "severity"), d.Severity);
        if (expected.Contains("approver_group") || approverExact)
            Assert.Equal(Text(expected, "approver_group"), d.ApproverGroup);
        string prefix = Text(expected, "evidence_ref_prefix");
        if (prefix.Length > 0)
        {
            Assert.False(string.IsNullOrEmpty(d.DecisionId));
            Assert.False(string.IsNullOrEmpty(d.Timestamp));
            Assert.StartsWith("corr_", d.CorrelationId);
            Assert.StartsWith(prefix, d.EvidenceRefs[0]);
        }
        Assert.Equal(d.PolicyPack, d.PolicyId);
    }
}
