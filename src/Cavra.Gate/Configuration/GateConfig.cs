using System;
using System.Collections.Generic;
using System.Globalization;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Configuration
{
    /// <summary>
    /// The effective Go backend configuration (upstream <c>GoBackendConfig</c>, gate.md §1.1): each value from a
    /// parameter, else its <c>CAVRA_GO_*</c> environment variable, else the default, with its source remembered.
    /// Path values are kept as written; <see cref="Json.InputFiles"/> resolves them when a file is touched.
    /// </summary>
    public sealed class GateConfig : ICanonicalJson
    {
        public const string ModeVariable = "CAVRA_GO_BACKEND_MODE";
        public const double DefaultRollbackDrillMaxAgeDays = 90.0;
        public const double DefaultRollbackDrillDueSoonDays = 14.0;
        public const double DefaultTimeoutSeconds = 5.0;
        public const double DefaultParityMaxAgeDays = 30.0;

        private readonly Dictionary<string, ConfigSetting> _byName;

        private GateConfig(List<ConfigSetting> settings)
        {
            Settings = settings;
            _byName = new Dictionary<string, ConfigSetting>(StringComparer.Ordinal);
            foreach (var s in settings) _byName[s.Name] = s;
            Mode = (BackendMode)_byName["Mode"].Value;
            RuntimePath = Text("RuntimePath");
            PolicyPath = Text("PolicyPath");
            RegistryPath = Text("RegistryPath");
            PackageDir = Text("PackageDir");
            EndpointDeploymentPath = Text("EndpointDeploymentPath");
            CiRunnerBundlesPath = Text("CiRunnerBundlesPath");
            ChannelManifestPath = Text("ChannelManifestPath");
            UpdaterPolicyPath = Text("UpdaterPolicyPath");
            PromotionEvidencePath = Text("PromotionEvidencePath");
            RollbackPlanPath = Text("RollbackPlanPath");
            RollbackRehearsalPath = Text("RollbackRehearsalPath");
            RollbackDrillHistoryPath = Text("RollbackDrillHistoryPath");
            RollbackDrillMaxAgeDays = (double)_byName["RollbackDrillMaxAgeDays"].Value;
            RollbackDrillSchedulePath = Text("RollbackDrillSchedulePath");
            RollbackDrillDueSoonDays = (double)_byName["RollbackDrillDueSoonDays"].Value;
            TimeoutSeconds = (double)_byName["TimeoutSeconds"].Value;
            ParityMaxAgeDays = (double)_byName["ParityMaxAgeDays"].Value;
            RequireParityReport = (bool)_byName["RequireParityReport"].Value;
        }

        public BackendMode Mode { get; }
        /// <summary>True only for shadow, enforce and promoted.</summary>
        public bool Enabled => Mode != BackendMode.Disabled;
        public string RuntimePath { get; }
        public string PolicyPath { get; }
        public string RegistryPath { get; }
        public string PackageDir { get; }
        public string EndpointDeploymentPath { get; }
        public string CiRunnerBundlesPath { get; }
        public string ChannelManifestPath { get; }
        public string UpdaterPolicyPath { get; }
        public string PromotionEvidencePath { get; }
        public string RollbackPlanPath { get; }
        public string RollbackRehearsalPath { get; }
        public string RollbackDrillHistoryPath { get; }
        public double RollbackDrillMaxAgeDays { get; }
        public string RollbackDrillSchedulePath { get; }
        public double RollbackDrillDueSoonDays { get; }
        public double TimeoutSeconds { get; }
        /// <summary>How old a parity report's window_end may be (docs/design/measured-parity.md, "The gate check").</summary>
        public double ParityMaxAgeDays { get; }
        /// <summary>Promoted mode needs promotion evidence that names a verified parity report.</summary>
        public bool RequireParityReport { get; }

        /// <summary>Every value with its source, in the order of gate.md §1.1.</summary>
        public IReadOnlyList<ConfigSetting> Settings { get; }

        /// <summary>The drill schedule joins the promoted-mode gate only when configured (spec README §3.10).</summary>
        public bool ScheduleConfigured => RollbackDrillSchedulePath.Length > 0;

        public ConfigSetting this[string name] => _byName[name];

        /// <summary>Settings whose value was not taken as written, with the reason; for -Verbose narration.</summary>
        public IEnumerable<ConfigSetting> Notes
        {
            get { foreach (var s in Settings) if (s.Note != null) yield return s; }
        }

        /// <summary>The same configuration with another mode, e.g. to ask what promoted mode would decide.</summary>
        public GateConfig WithMode(BackendMode mode)
        {
            if (mode == Mode) return this;
            var settings = new List<ConfigSetting>(Settings);
            var old = _byName["Mode"];
            settings[settings.IndexOf(old)] = new ConfigSetting(old.Name, old.Key, old.EnvironmentVariable, mode, ConfigSource.Parameter, old.EnvironmentValue, null);
            return new GateConfig(settings);
        }

        /// <summary>The same configuration in promoted mode with another promotion evidence path, e.g. to judge evidence
        /// about to be written exactly as the gate will judge it there.</summary>
        public GateConfig WithPromotionEvidence(string path)
        {
            var settings = new List<ConfigSetting>(WithMode(BackendMode.Promoted).Settings);
            var old = _byName["PromotionEvidencePath"];
            settings[settings.FindIndex(s => s.Name == old.Name)] =
                new ConfigSetting(old.Name, old.Key, old.EnvironmentVariable, path ?? "", ConfigSource.Parameter, old.EnvironmentValue, null);
            return new GateConfig(settings);
        }

        public static GateConfig Defaults => Resolve(null, _ => null);

        /// <summary>Resolves the configuration. <paramref name="environment"/> returns a variable's value or null when unset.</summary>
        public static GateConfig Resolve(GateParameters? parameters, Func<string, string?> environment)
        {
            parameters ??= new GateParameters();
            var list = new List<ConfigSetting>(17);
            list.Add(ResolveMode(parameters.Mode, environment(ModeVariable)));
            void Path(string name, string key, string variable, string? given) => list.Add(ResolveText(name, key, variable, given, environment(variable)));
            Path("RuntimePath", "runtime_path", "CAVRA_GO_RUNTIME_PATH", parameters.RuntimePath);
            Path("PolicyPath", "policy_path", "CAVRA_GO_RUNTIME_POLICY", parameters.PolicyPath);
            Path("RegistryPath", "registry_path", "CAVRA_GO_RUNTIME_REGISTRY", parameters.RegistryPath);
            Path("PackageDir", "package_dir", "CAVRA_GO_RUNTIME_PACKAGE_DIR", parameters.PackageDir);
            Path("EndpointDeploymentPath", "endpoint_deployment_path", "CAVRA_GO_ENDPOINT_DEPLOYMENT_MANIFEST", parameters.EndpointDeploymentPath);
            Path("CiRunnerBundlesPath", "ci_runner_bundles_path", "CAVRA_GO_CI_RUNNER_BUNDLES", parameters.CiRunnerBundlesPath);
            Path("ChannelManifestPath", "channel_manifest_path", "CAVRA_GO_WORKSTATION_CHANNELS", parameters.ChannelManifestPath);
            Path("UpdaterPolicyPath", "updater_policy_path", "CAVRA_GO_WORKSTATION_UPDATER_POLICY", parameters.UpdaterPolicyPath);
            Path("PromotionEvidencePath", "promotion_evidence_path", "CAVRA_GO_PROMOTION_EVIDENCE", parameters.PromotionEvidencePath);
            Path("RollbackPlanPath", "rollback_plan_path", "CAVRA_GO_ROLLBACK_PLAN", parameters.RollbackPlanPath);
            Path("RollbackRehearsalPath", "rollback_rehearsal_path", "CAVRA_GO_ROLLBACK_REHEARSAL_EVIDENCE", parameters.RollbackRehearsalPath);
            Path("RollbackDrillHistoryPath", "rollback_drill_history_path", "CAVRA_GO_ROLLBACK_DRILL_HISTORY", parameters.RollbackDrillHistoryPath);
            list.Add(ResolveNumber("RollbackDrillMaxAgeDays", "rollback_drill_max_age_days", "CAVRA_GO_ROLLBACK_DRILL_MAX_AGE_DAYS",
                parameters.RollbackDrillMaxAgeDays, environment("CAVRA_GO_ROLLBACK_DRILL_MAX_AGE_DAYS"), DefaultRollbackDrillMaxAgeDays));
            Path("RollbackDrillSchedulePath", "rollback_drill_schedule_path", "CAVRA_GO_ROLLBACK_DRILL_SCHEDULE", parameters.RollbackDrillSchedulePath);
            list.Add(ResolveNumber("RollbackDrillDueSoonDays", "rollback_drill_due_soon_days", "CAVRA_GO_ROLLBACK_DRILL_DUE_SOON_DAYS",
                parameters.RollbackDrillDueSoonDays, environment("CAVRA_GO_ROLLBACK_DRILL_DUE_SOON_DAYS"), DefaultRollbackDrillDueSoonDays));
            list.Add(ResolveNumber("TimeoutSeconds", "timeout_seconds", "CAVRA_GO_RUNTIME_TIMEOUT_SECONDS",
                parameters.TimeoutSeconds, environment("CAVRA_GO_RUNTIME_TIMEOUT_SECONDS"), DefaultTimeoutSeconds));
            list.Add(ResolveNumber("ParityMaxAgeDays", "parity_max_age_days", "CAVRA_GO_PARITY_MAX_AGE_DAYS",
                parameters.ParityMaxAgeDays, environment("CAVRA_GO_PARITY_MAX_AGE_DAYS"), DefaultParityMaxAgeDays));
            list.Add(ResolveFlag("RequireParityReport", "require_parity_report", "CAVRA_GO_REQUIRE_PARITY_REPORT",
                parameters.RequireParityReport, environment("CAVRA_GO_REQUIRE_PARITY_REPORT")));
            return new GateConfig(list);
        }

        /// <summary>A true/false setting: true, 1, yes or on (any case) is true; false, 0, no, off or empty is false; anything
        /// else is true with a note, because a flag that asks for more verification fails closed.</summary>
        private static ConfigSetting ResolveFlag(string name, string key, string variable, bool? given, string? env)
        {
            if (given.HasValue) return new ConfigSetting(name, key, variable, given.Value, ConfigSource.Parameter, env, null);
            if (env == null) return new ConfigSetting(name, key, variable, false, ConfigSource.Default, null, null);
            switch (env.Trim().ToLowerInvariant())
            {
                case "true": case "1": case "yes": case "on": return new ConfigSetting(name, key, variable, true, ConfigSource.Environment, env, null);
                case "false": case "0": case "no": case "off": case "": return new ConfigSetting(name, key, variable, false, ConfigSource.Environment, env, null);
                default:
                    return new ConfigSetting(name, key, variable, true, ConfigSource.Environment, env,
                        $"{variable}='{env}' is not true or false; treated as true (fails closed)");
            }
        }

        /// <summary>Upstream <c>_normalized_mode</c>: trim, lower-case; empty or unknown becomes disabled (fails closed).</summary>
        public static BackendMode NormalizeMode(string? value, out bool recognised)
        {
            string v = (value ?? "").Trim().ToLowerInvariant();
            recognised = true;
            switch (v)
            {
                case "shadow": return BackendMode.Shadow;
                case "enforce": return BackendMode.Enforce;
                case "promoted": return BackendMode.Promoted;
                case "disabled": return BackendMode.Disabled;
                case "": return BackendMode.Disabled;
                default: recognised = false; return BackendMode.Disabled;
            }
        }

        private static ConfigSetting ResolveMode(BackendMode? given, string? env)
        {
            if (given.HasValue)
                return new ConfigSetting("Mode", "mode", ModeVariable, given.Value, ConfigSource.Parameter, env, null);
            if (env == null)
                return new ConfigSetting("Mode", "mode", ModeVariable, BackendMode.Disabled, ConfigSource.Default, null, null);
            var mode = NormalizeMode(env, out bool ok);
            string? note = ok ? null : $"{ModeVariable}='{env}' is not one of disabled, shadow, enforce, promoted; treated as disabled (fails closed)";
            return new ConfigSetting("Mode", "mode", ModeVariable, mode, ConfigSource.Environment, env, note);
        }

        private static ConfigSetting ResolveText(string name, string key, string variable, string? given, string? env)
        {
            if (given != null) return new ConfigSetting(name, key, variable, given, ConfigSource.Parameter, env, null);
            if (env != null) return new ConfigSetting(name, key, variable, env, ConfigSource.Environment, env, null);
            return new ConfigSetting(name, key, variable, "", ConfigSource.Default, null, null);
        }

        /// <summary>Upstream <c>_float_env</c>: Python float() of the variable; the default when it does not parse.</summary>
        private static ConfigSetting ResolveNumber(string name, string key, string variable, double? given, string? env, double fallback)
        {
            if (given.HasValue) return new ConfigSetting(name, key, variable, given.Value, ConfigSource.Parameter, env, null);
            if (env == null) return new ConfigSetting(name, key, variable, fallback, ConfigSource.Default, null, null);
            if (PythonFloat.TryParse(env, out double parsed))
            {
                string? note = double.IsNaN(parsed) || parsed <= 0
                    ? $"{variable}='{env}' is not a positive number; checks that use it fail closed"
                    : null;
                return new ConfigSetting(name, key, variable, parsed, ConfigSource.Environment, env, note);
            }
            return new ConfigSetting(name, key, variable, fallback, ConfigSource.Default, env,
                $"{variable}='{env}' is not a number; default {fallback.ToString(CultureInfo.InvariantCulture)} used");
        }

        private string Text(string name) => (string)_byName[name].Value;

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject();
            foreach (var s in Settings) w.Property(s.Key, s.Value);
            w.EndObject();
        }
    }
}
