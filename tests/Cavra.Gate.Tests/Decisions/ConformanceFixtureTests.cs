using Cavra.Gate.Json;
using Cavra.Gate.Tests.Deployment;

namespace Cavra.Gate.Tests.Decisions;

/// <summary>
/// The vendored upstream fixtures (tests/conformance) are all there, parse strictly and hold the documented number of
/// cases, so a lost or truncated file fails here by name rather than as a golden test that quietly runs fewer cases.
/// </summary>
public class ConformanceFixtureTests
{
    public static IEnumerable<object[]> CaseFiles() => new[]
    {
        new object[] { "parity_cases.json", 23 },
        new object[] { "release_governance_records.json", 4 },
        new object[] { "release_governance_contracts.json", 7 },
    };

    private static readonly string[] EvidenceFiles =
    {
        "cavra-runtime.channels.json",
        "cavra-runtime.ci-runner-bundles.json",
        "cavra-runtime.endpoint-deployment.json",
        "cavra-runtime.go-backend-promotion-evidence.json",
        "cavra-runtime.go-backend-rollback-drill-schedule.json",
        "cavra-runtime.go-backend-rollback-drills.json",
        "cavra-runtime.go-backend-rollback-plan.json",
        "cavra-runtime.go-backend-rollback-rehearsal.json",
        "cavra-runtime.updater-policy.json",
    };

    [Fact]
    public void The_fixtures_live_inside_the_repository()
    {
        var root = new DirectoryInfo(Conformance.Root);
        Assert.Equal("conformance", root.Name);
        Assert.Equal("tests", root.Parent!.Name);
        Assert.True(File.Exists(Path.Combine(root.Parent.Parent!.FullName, "Cavra.PowerShell.sln")), "tests/conformance is not beside Cavra.PowerShell.sln");
        Assert.True(File.Exists(Path.Combine(root.FullName, "README.md")), "tests/conformance/README.md (origin and license) is missing");
    }

    [Theory]
    [MemberData(nameof(CaseFiles))]
    public void Case_file_is_present_with_its_case_count_and_unique_names(string file, int cases)
    {
        Assert.True(File.Exists(Path.Combine(Conformance.Root, file)), $"tests/conformance/{file} is missing");
        var items = ((JsonArray)Conformance.Read(file)).Items;
        Assert.Equal(cases, items.Count);
        var names = items.Select(c => Conformance.Text((JsonObject)c, "name")).ToList();
        Assert.DoesNotContain("", names);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Policy_and_registry_fixtures_are_present_and_load()
    {
        Assert.NotNull(Conformance.CompiledPolicyFixture());
        Assert.NotNull(Conformance.RegistryFixture());
        string examplePolicy = Path.Combine(Path.GetDirectoryName(EvidenceSet.ExamplesDir)!, "policy");
        foreach (var name in new[] { "compiled_policy.json", "mcp_registry.json" })
            Assert.Equal(File.ReadAllBytes(Conformance.PathOf(name)), File.ReadAllBytes(Path.Combine(examplePolicy, name)));
    }

    [Fact]
    public void Evidence_set_is_complete_and_equals_the_shipped_examples()
    {
        string vendored = Path.Combine(Conformance.Root, "evidence");
        var present = Directory.GetFiles(vendored, "*.json").Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(EvidenceFiles, present);
        foreach (var name in EvidenceFiles)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(vendored, name));
            Assert.True(StrictJsonParser.TryParse(bytes, out _, out var error), $"{name}: {error}");
            // examples/ keeps its own copy as user-facing sample data; it must stay upstream's set.
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(EvidenceSet.ExamplesDir, name)));
        }
    }
}
