using System.Text.RegularExpressions;
using Cavra.Gate.Configuration;
using Cavra.Gate.Json;

namespace Cavra.Gate.Tests.Core;

/// <summary>The settings table and the one validator per setting, applied alike to parameters, settings files and the environment.</summary>
public sealed class GateSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cavra-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static Func<string, string?> Env(params (string, string)[] vars)
    {
        var d = vars.ToDictionary(v => v.Item1, v => v.Item2);
        return name => d.TryGetValue(name, out var v) ? v : null;
    }

    private string File(string json)
    {
        string path = Path.Combine(_dir, "settings.json");
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Every_row_has_its_own_name_variable_and_snake_case_key()
    {
        var rows = GateSettings.All;
        Assert.Equal(rows.Count, rows.Select(r => r.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(rows.Count, rows.Select(r => r.EnvironmentVariable).Distinct().Count());
        var keys = rows.Where(r => r.Key != null).Select(r => r.Key!).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.All(rows, r => Assert.Matches("^CAVRA_GO_[A-Z_]+$", r.EnvironmentVariable));
        Assert.All(keys, k => Assert.Matches("^[a-z]+(_[a-z]+)*$", k));
        Assert.All(rows, r => Assert.IsType(r.ValueType, r.DefaultValue));
        Assert.All(rows, r => Assert.False(string.IsNullOrWhiteSpace(r.Summary)));
        Assert.All(rows, r => Assert.Same(r, GateSettings.Find(r.Name.ToUpperInvariant())));
    }

    [Fact]
    public void The_configuration_holds_one_value_per_row_in_table_order_and_the_json_uses_the_keys()
    {
        var c = GateConfig.Defaults;
        Assert.Equal(GateSettings.All.Select(r => r.Name), c.Settings.Select(s => s.Name));
        string json = Cavra.Gate.Serialization.CanonicalJsonWriter.Serialize(c);
        var keys = Regex.Matches(json, "^  \"([a-z_]+)\":", RegexOptions.Multiline).Select(m => m.Groups[1].Value);
        Assert.Equal(GateSettings.All.Where(r => r.Key != null).Select(r => r.Key), keys);
    }

    [Fact]
    public void Parameter_beats_settings_file_beats_environment_beats_default()
    {
        var file = new GateParameters { RuntimePath = "/file/rt", PolicyPath = "/file/p", TimeoutSeconds = 7 };
        var env = Env(("CAVRA_GO_RUNTIME_PATH", "/env/rt"), ("CAVRA_GO_RUNTIME_POLICY", "/env/p"), ("CAVRA_GO_RUNTIME_REGISTRY", "/env/r"));
        var c = GateConfig.Resolve(new GateParameters { RuntimePath = "/param/rt" }, file, env);
        Assert.Equal(("/param/rt", ConfigSource.Parameter), (c.RuntimePath, c["RuntimePath"].Source));
        Assert.Equal(("/file/p", ConfigSource.SettingsFile), (c.PolicyPath, c["PolicyPath"].Source));
        Assert.Equal(("/env/r", ConfigSource.Environment), (c.RegistryPath, c["RegistryPath"].Source));
        Assert.Equal((7.0, ConfigSource.SettingsFile), (c.TimeoutSeconds, c["TimeoutSeconds"].Source));
        Assert.Equal(ConfigSource.Default, c["PackageDir"].Source);
        Assert.Equal("/env/rt", c["RuntimePath"].EnvironmentValue);
    }

    // The 3,600 s cap is one rule: CAVRA_GO_RUNTIME_TIMEOUT_SECONDS=inf or 1e400 must not escape it.
    [Theory]
    [InlineData("inf", "must be between 0.001 and 3600")]
    [InlineData("Infinity", "must be between 0.001 and 3600")]
    [InlineData("1e400", "must be between 0.001 and 3600")]
    [InlineData("3600.5", "must be between 0.001 and 3600")]
    [InlineData("0.0001", "must be between 0.001 and 3600")]
    [InlineData("nan", "must be a positive number")]
    [InlineData("-1", "must be a positive number")]
    [InlineData("-inf", "must be a positive number")]
    [InlineData("0", "must be a positive number")]
    public void A_refused_timeout_from_the_environment_is_kept_with_its_refusal_and_fails_closed(string text, string refusal)
    {
        var c = GateConfig.Resolve(null, Env(("CAVRA_GO_RUNTIME_TIMEOUT_SECONDS", text)));
        var s = c["TimeoutSeconds"];
        Assert.Equal(ConfigSource.Environment, s.Source);
        Assert.Equal(refusal, s.Refusal);
        Assert.Contains($"CAVRA_GO_RUNTIME_TIMEOUT_SECONDS='{text}' is refused: timeout_seconds {refusal}", s.Note);
        Assert.Equal(refusal, GateSettings.TimeoutSeconds.Refusal(c.TimeoutSeconds)); // what the runtime clients check
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "must be between 0.001 and 3600")]
    [InlineData(3601.0, "must be between 0.001 and 3600")]
    [InlineData(double.NaN, "must be a positive number")]
    [InlineData(-2.0, "must be a positive number")]
    public void The_same_timeout_is_refused_the_same_way_as_a_parameter(double value, string refusal)
    {
        var c = GateConfig.Resolve(new GateParameters { TimeoutSeconds = value }, _ => null);
        Assert.Equal(refusal, c["TimeoutSeconds"].Refusal);
        Assert.Contains("is refused: timeout_seconds " + refusal, c["TimeoutSeconds"].Note);
    }

    [Theory]
    [InlineData("{\"timeout_seconds\": 3601}", "timeout_seconds must be between 0.001 and 3600")]
    [InlineData("{\"timeout_seconds\": 0.0001}", "timeout_seconds must be between 0.001 and 3600")]
    [InlineData("{\"timeout_seconds\": -1}", "timeout_seconds must be a positive number")]
    [InlineData("{\"timeout_seconds\": 0}", "timeout_seconds must be a positive number")]
    [InlineData("{\"timeout_seconds\": \"5\"}", "timeout_seconds must be a number")]
    [InlineData("{\"mode\": \"turbo\"}", "mode must be disabled, shadow, enforce or promoted")]
    [InlineData("{\"runtime_path\": 3}", "runtime_path must be a string")]
    [InlineData("{\"runtimepath\": \"x\"}", "unknown key 'runtimepath'")]
    public void The_same_rules_refuse_a_settings_file(string json, string message)
    {
        string path = File(json);
        var ex = Assert.Throws<SettingsFileException>(() => SettingsFile.Read(new InputFiles(), path));
        Assert.Equal($"settings file {path}: {message}", ex.Message);
        Assert.Equal(path, ex.Path);
    }

    [Theory]
    [InlineData("{\"timeout_seconds\": 1e400}")]
    [InlineData("{\"timeout_seconds\": 5, \"timeout_seconds\": 6}")]
    [InlineData("[]")]
    [InlineData("{")]
    public void A_settings_file_the_strict_reader_refuses_is_an_error(string json)
    {
        string path = File(json);
        var ex = Assert.Throws<SettingsFileException>(() => SettingsFile.Read(new InputFiles(), path));
        Assert.StartsWith($"settings file {path}: ", ex.Message);
    }

    [Fact]
    public void A_missing_settings_file_is_an_error()
    {
        string path = Path.Combine(_dir, "missing.json");
        var ex = Assert.Throws<SettingsFileException>(() => SettingsFile.Read(new InputFiles(), path));
        Assert.StartsWith($"settings file {path}: ", ex.Message);
    }

    [Fact]
    public void A_settings_file_resolves_relative_paths_against_its_folder_and_keeps_empty_as_not_configured()
    {
        string path = File("{\"mode\": \" Promoted \", \"rollback_plan_path\": \"ev/plan.json\", \"policy_path\": \"\", \"timeout_seconds\": 2.5, \"rollback_drill_max_age_days\": 30}");
        var file = SettingsFile.Read(new InputFiles(), path);
        var c = GateConfig.Resolve(null, file, Env(("CAVRA_GO_RUNTIME_POLICY", "/env/p")));
        Assert.Equal(BackendMode.Promoted, c.Mode);
        Assert.Equal(Path.Combine(_dir, "ev", "plan.json"), c.RollbackPlanPath);
        Assert.Equal("", c.PolicyPath);
        Assert.Equal(ConfigSource.SettingsFile, c["PolicyPath"].Source);
        Assert.Equal(2.5, c.TimeoutSeconds);
        Assert.Equal(30.0, c.RollbackDrillMaxAgeDays);
    }

    [Fact]
    public void Ages_that_are_not_positive_are_accepted_from_every_source_with_a_caution()
    {
        var c = GateConfig.Resolve(new GateParameters { RollbackDrillMaxAgeDays = 0 }, Env(("CAVRA_GO_ROLLBACK_DRILL_DUE_SOON_DAYS", "-1")));
        Assert.Equal(0.0, c.RollbackDrillMaxAgeDays);
        Assert.Null(c["RollbackDrillMaxAgeDays"].Refusal);
        Assert.Contains("not a positive number; checks that use it fail closed", c["RollbackDrillMaxAgeDays"].Note);
        Assert.Contains("CAVRA_GO_ROLLBACK_DRILL_DUE_SOON_DAYS='-1' is not a positive number", c["RollbackDrillDueSoonDays"].Note);
    }

    [Fact]
    public void Parameters_refuse_a_value_of_the_wrong_type()
    {
        var p = new GateParameters();
        Assert.Throws<ArgumentException>(() => p.Set(GateSettings.TimeoutSeconds, "5"));
        Assert.Throws<ArgumentException>(() => p.Set(GateSettings.Mode, "promoted"));
    }
}
