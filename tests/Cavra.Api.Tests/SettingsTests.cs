using Cavra.Api;

namespace Cavra.Api.Tests;

/// <summary>Settings file keys of this module's own (not upstream's).</summary>
public sealed class SettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cavra-settings-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string json)
    {
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void require_bound_evidence_is_a_boolean_that_overrides_the_environment()
    {
        Assert.True(ApiSettings.Resolve(Write("{\"require_bound_evidence\": true}"), _ => null).RequireBoundEvidence);
        Assert.False(ApiSettings.Resolve(Write("{\"require_bound_evidence\": false}"), _ => "1").RequireBoundEvidence);
        Assert.True(ApiSettings.Resolve(Write("{}"), v => v == "CAVRA_GO_REQUIRE_BOUND_EVIDENCE" ? "on" : null).RequireBoundEvidence);
        var ex = Assert.ThrowsAny<Exception>(() => ApiSettings.Resolve(Write("{\"require_bound_evidence\": \"yes\"}"), _ => null));
        Assert.Contains("require_bound_evidence must be true or false", ex.Message);
    }
}
