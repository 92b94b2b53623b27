using Cavra.Gate.Configuration;

namespace Cavra.Gate.Tests.Core;

public class GateConfigTests
{
    private static Func<string, string?> Env(params (string, string)[] vars)
    {
        var d = vars.ToDictionary(v => v.Item1, v => v.Item2);
        return name => d.TryGetValue(name, out var v) ? v : null;
    }

    [Fact]
    public void Defaults()
    {
        var c = GateConfig.Defaults;
        Assert.Equal(BackendMode.Disabled, c.Mode);
        Assert.False(c.Enabled);
        Assert.Equal(90.0, c.RollbackDrillMaxAgeDays);
        Assert.Equal(14.0, c.RollbackDrillDueSoonDays);
        Assert.Equal(5.0, c.TimeoutSeconds);
        Assert.All(c.Settings, s => Assert.Equal(ConfigSource.Default, s.Source));
        Assert.Equal(30.0, c.ParityMaxAgeDays);
        Assert.False(c.RequireParityReport);
        Assert.Equal(19, c.Settings.Count);
    }

    [Fact]
    public void Parameters_override_environment_which_overrides_defaults()
    {
        var env = Env(("CAVRA_GO_BACKEND_MODE", " Shadow "), ("CAVRA_GO_RUNTIME_PATH", "/env/rt"), ("CAVRA_GO_RUNTIME_POLICY", "/env/p"),
            ("CAVRA_GO_ROLLBACK_DRILL_MAX_AGE_DAYS", "30"));
        var c = GateConfig.Resolve(new GateParameters { Mode = BackendMode.Promoted, RuntimePath = "/param/rt" }, env);
        Assert.Equal(BackendMode.Promoted, c.Mode);
        Assert.Equal(ConfigSource.Parameter, c["Mode"].Source);
        Assert.Equal("/param/rt", c.RuntimePath);
        Assert.Equal(ConfigSource.Parameter, c["RuntimePath"].Source);
        Assert.Equal("/env/rt", c["RuntimePath"].EnvironmentValue);
        Assert.Equal("/env/p", c.PolicyPath);
        Assert.Equal(ConfigSource.Environment, c["PolicyPath"].Source);
        Assert.Equal(30.0, c.RollbackDrillMaxAgeDays);
        Assert.Equal(ConfigSource.Default, c["RegistryPath"].Source);
    }

    [Theory]
    [InlineData("promoted", BackendMode.Promoted)]
    [InlineData("  ENFORCE\t", BackendMode.Enforce)]
    [InlineData("", BackendMode.Disabled)]
    [InlineData("go", BackendMode.Disabled)]
    [InlineData("promoted!", BackendMode.Disabled)]
    public void Environment_mode_is_normalised_and_fails_closed(string value, BackendMode expected)
    {
        var c = GateConfig.Resolve(null, Env(("CAVRA_GO_BACKEND_MODE", value)));
        Assert.Equal(expected, c.Mode);
        bool unknown = value.Trim().Length > 0 && expected == BackendMode.Disabled;
        Assert.Equal(unknown, c["Mode"].Note != null);
        if (unknown) Assert.Contains("treated as disabled", c["Mode"].Note);
    }

    [Fact]
    public void Unparseable_numbers_fall_back_to_defaults_and_say_so()
    {
        var c = GateConfig.Resolve(null, Env(("CAVRA_GO_RUNTIME_TIMEOUT_SECONDS", "soon"), ("CAVRA_GO_ROLLBACK_DRILL_DUE_SOON_DAYS", "-1")));
        Assert.Equal(5.0, c.TimeoutSeconds);
        Assert.Contains("not a number", c["TimeoutSeconds"].Note);
        Assert.Equal(-1.0, c.RollbackDrillDueSoonDays);
        Assert.Contains("not a positive number", c["RollbackDrillDueSoonDays"].Note);
    }

    [Fact]
    public void Canonical_json_uses_upstream_field_names()
    {
        var json = Cavra.Gate.Serialization.CanonicalJsonWriter.Serialize(GateConfig.Defaults);
        Assert.StartsWith("{\n  \"mode\": \"disabled\",\n  \"runtime_path\": \"\",", json);
        Assert.Contains("\"timeout_seconds\": 5.0", json);
    }
}
