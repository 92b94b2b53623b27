using System.Text.RegularExpressions;
using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.FileSystem;

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
        // One exception, upstream's own name: the connector config is CAVRA_CONNECTOR_CONFIG.
        Assert.All(rows.Where(r => r != GateSettings.ConnectorConfigPath), r => Assert.Matches("^CAVRA_GO_[A-Z_]+$", r.EnvironmentVariable));
        Assert.Equal("CAVRA_CONNECTOR_CONFIG", GateSettings.ConnectorConfigPath.EnvironmentVariable);
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

    // ---- the evidence directory and the settings file level -------------------------------------------------------

    private static readonly string[] EvidenceNames =
    {
        "cavra-runtime.go-backend-promotion-evidence.json", "cavra-runtime.go-backend-rollback-plan.json",
        "cavra-runtime.go-backend-rollback-rehearsal.json", "cavra-runtime.go-backend-rollback-drills.json",
    };

    [Fact]
    public void An_evidence_directory_finds_every_evidence_file_by_its_default_name_and_serves_as_the_package_dir()
    {
        var c = GateConfig.Resolve(new GateParameters { }, null, Env(("CAVRA_GO_EVIDENCE_DIR", "/ev")), _ => true);
        Assert.Equal("/ev/" + EvidenceNames[0], c.PromotionEvidencePath);
        Assert.Equal("/ev/" + EvidenceNames[1], c.RollbackPlanPath);
        Assert.Equal("/ev/" + EvidenceNames[2], c.RollbackRehearsalPath);
        Assert.Equal("/ev/" + EvidenceNames[3], c.RollbackDrillHistoryPath);
        Assert.Equal("/ev/cavra-runtime.go-backend-rollback-drill-schedule.json", c.RollbackDrillSchedulePath);
        Assert.Equal("/ev", c.PackageDir);
        Assert.All(new[] { "PromotionEvidencePath", "RollbackPlanPath", "RollbackRehearsalPath", "RollbackDrillHistoryPath", "RollbackDrillSchedulePath", "PackageDir" },
            n => Assert.Equal(ConfigSource.EvidenceDirectory, c[n].Source));
        Assert.Equal(ConfigSource.Environment, c["EvidenceDirectory"].Source);
        Assert.Equal(ConfigSource.Default, c["RuntimePath"].Source); // not an evidence file
    }

    [Fact]
    public void The_drill_schedule_comes_from_the_evidence_directory_only_when_the_file_is_there()
    {
        var c = GateConfig.Resolve(new GateParameters { }, null, Env(("CAVRA_GO_EVIDENCE_DIR", "/ev")), path => !path.EndsWith("drill-schedule.json"));
        Assert.Equal("", c.RollbackDrillSchedulePath);
        Assert.False(c.ScheduleConfigured);
        Assert.Equal(ConfigSource.Default, c["RollbackDrillSchedulePath"].Source);
        Assert.Equal("/ev/" + EvidenceNames[1], c.RollbackPlanPath);
    }

    [Fact]
    public void The_evidence_directory_fills_paths_at_its_own_level_and_below_only()
    {
        var parameters = new GateParameters { RollbackPlanPath = "/param/plan.json" };
        parameters.Set(GateSettings.EvidenceDirectory, "/param-ev");
        var file = new GateParameters { RollbackRehearsalPath = "/file/rehearsal.json" };
        var env = Env(("CAVRA_GO_PROMOTION_EVIDENCE", "/env/promotion.json"), ("CAVRA_GO_EVIDENCE_DIR", "/env-ev"));
        var c = GateConfig.Resolve(parameters, file, env, _ => false);
        Assert.Equal(("/param/plan.json", ConfigSource.Parameter), (c.RollbackPlanPath, c["RollbackPlanPath"].Source));        // same level: the path wins
        Assert.Equal(("/param-ev/" + EvidenceNames[2], ConfigSource.EvidenceDirectory), (c.RollbackRehearsalPath, c["RollbackRehearsalPath"].Source)); // parameter folder beats the settings file's path
        Assert.Equal(("/param-ev/" + EvidenceNames[0], ConfigSource.EvidenceDirectory), (c.PromotionEvidencePath, c["PromotionEvidencePath"].Source)); // and the environment's
        Assert.Equal("/param-ev", c.Path(GateSettings.EvidenceDirectory));

        // An environment folder fills only what nothing else gives.
        var low = GateConfig.Resolve(null, file, env, _ => false);
        Assert.Equal("/file/rehearsal.json", low.RollbackRehearsalPath);
        Assert.Equal("/env/promotion.json", low.PromotionEvidencePath);
        Assert.Equal(("/env-ev/" + EvidenceNames[1], ConfigSource.EvidenceDirectory), (low.RollbackPlanPath, low["RollbackPlanPath"].Source));

        // An explicit empty folder at a stronger level switches a weaker one off.
        var off = new GateParameters();
        off.Set(GateSettings.EvidenceDirectory, "");
        Assert.Equal("", GateConfig.Resolve(off, null, env, _ => true).RollbackPlanPath);
    }

    [Fact]
    public void Load_reads_the_settings_file_named_by_the_parameter_else_CAVRA_GO_SETTINGS()
    {
        string path = File("{\"mode\": \"shadow\", \"evidence_dir\": \"ev\"}");
        Directory.CreateDirectory(Path.Combine(_dir, "ev"));
        System.IO.File.WriteAllText(Path.Combine(_dir, "ev", "cavra-runtime.go-backend-rollback-drill-schedule.json"), "{}");
        var files = new InputFiles(_dir);

        var viaEnv = GateConfig.Load(null, Env(("CAVRA_GO_SETTINGS", "settings.json"), ("CAVRA_GO_BACKEND_MODE", "promoted")), files);
        Assert.Equal((BackendMode.Shadow, ConfigSource.SettingsFile), (viaEnv.Mode, viaEnv["Mode"].Source));
        Assert.Equal(("settings.json", ConfigSource.Environment), (viaEnv.Path(GateSettings.SettingsPath), viaEnv["SettingsPath"].Source));
        Assert.Equal(Path.Combine(_dir, "ev", EvidenceNames[1]), viaEnv.RollbackPlanPath);
        Assert.Equal(Path.Combine(_dir, "ev", "cavra-runtime.go-backend-rollback-drill-schedule.json"), viaEnv.RollbackDrillSchedulePath);

        var given = new GateParameters { Mode = BackendMode.Enforce };
        given.Set(GateSettings.SettingsPath, path);
        var viaParameter = GateConfig.Load(given, Env(("CAVRA_GO_SETTINGS", "/nowhere.json")), files);
        Assert.Equal(BackendMode.Enforce, viaParameter.Mode);
        Assert.Equal(ConfigSource.SettingsFile, viaParameter["EvidenceDirectory"].Source);

        var none = new GateParameters();
        none.Set(GateSettings.SettingsPath, ""); // an explicit empty path switches CAVRA_GO_SETTINGS off
        Assert.Equal(BackendMode.Disabled, GateConfig.Load(none, Env(("CAVRA_GO_SETTINGS", "/nowhere.json")), files).Mode);

        var missing = Assert.Throws<SettingsFileException>(() => GateConfig.Load(null, Env(("CAVRA_GO_SETTINGS", "absent.json")), files));
        Assert.True(missing.Missing);
        Assert.Equal(Path.Combine(_dir, "absent.json"), missing.Path);
        Assert.False(Assert.Throws<SettingsFileException>(() => GateConfig.Load(null, Env(("CAVRA_GO_SETTINGS", "ev")), files)).Missing);
    }

    [Fact]
    public void A_settings_file_cannot_name_another()
    {
        string path = File("{\"settings_path\": \"other.json\"}");
        Assert.Contains("unknown key 'settings_path'", Assert.Throws<SettingsFileException>(() => SettingsFile.Read(new InputFiles(), path)).Message);
    }

    [Fact]
    public void Connector_config_and_notification_ledger_resolve_from_parameter_settings_file_and_environment()
    {
        Assert.Equal(("", "", false), (GateConfig.Defaults.ConnectorConfigPath, GateConfig.Defaults.NotificationLedgerPath, GateConfig.Defaults.NotificationsConfigured));
        var env = Env(("CAVRA_CONNECTOR_CONFIG", "/env/connectors.json"), ("CAVRA_GO_NOTIFICATION_LEDGER", "/env/ledger.jsonl"));
        var c = GateConfig.Resolve(null, env);
        Assert.Equal(("/env/connectors.json", "/env/ledger.jsonl"), (c.ConnectorConfigPath, c.NotificationLedgerPath));
        Assert.Equal(ConfigSource.Environment, c["ConnectorConfigPath"].Source);
        Assert.False(c.NotificationsConfigured); // no schedule
        Assert.True(GateConfig.Resolve(new GateParameters { RollbackDrillSchedulePath = "/s.json" }, env).NotificationsConfigured);

        var given = GateConfig.Resolve(new GateParameters { ConnectorConfigPath = "/p/c.json", NotificationLedgerPath = "/p/l.jsonl" }, env);
        Assert.Equal(("/p/c.json", "/p/l.jsonl"), (given.ConnectorConfigPath, given.NotificationLedgerPath));
        Assert.Same(GateSettings.ConnectorConfigPath, GateSettings.FindKey("connector_config_path"));
        Assert.Same(GateSettings.NotificationLedgerPath, GateSettings.FindKey("notification_ledger_path"));
        string json = Cavra.Gate.Serialization.CanonicalJsonWriter.Serialize(given);
        Assert.Contains("\"connector_config_path\": \"/p/c.json\",\n  \"notification_ledger_path\": \"/p/l.jsonl\"\n}", json);
    }
}
