using System;
using System.Collections.Generic;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Configuration
{
    /// <summary>
    /// The effective Go backend configuration (upstream <c>GoBackendConfig</c>, docs/design/configuration.md): every row of
    /// <see cref="GateSettings"/> from a parameter, else the settings file, else its <c>CAVRA_GO_*</c> environment variable,
    /// else the default, with its source remembered; an evidence directory fills evidence paths at its own level. Path values are kept as written; <see cref="FileSystem.InputFiles"/> resolves
    /// them when a file is touched.
    /// </summary>
    public sealed class GateConfig : ICanonicalJson
    {
        public const string ModeVariable = "CAVRA_GO_BACKEND_MODE";
        public const double DefaultRollbackDrillMaxAgeDays = 90.0;
        public const double DefaultRollbackDrillDueSoonDays = 14.0;
        public const double DefaultTimeoutSeconds = 5.0;
        public const double DefaultParityMaxAgeDays = 30.0;

        private readonly Dictionary<GateSetting, ConfigSetting> _bySetting;

        private GateConfig(List<ConfigSetting> settings)
        {
            Settings = settings;
            _bySetting = new Dictionary<GateSetting, ConfigSetting>();
            foreach (var s in settings) _bySetting[s.Setting] = s;
        }

        public BackendMode Mode => (BackendMode)Value(GateSettings.Mode);
        /// <summary>True only for shadow, enforce and promoted.</summary>
        public bool Enabled => Mode != BackendMode.Disabled;
        public string RuntimePath => Path(GateSettings.RuntimePath);
        public string PolicyPath => Path(GateSettings.PolicyPath);
        public string RegistryPath => Path(GateSettings.RegistryPath);
        public string PackageDir => Path(GateSettings.PackageDir);
        public string EndpointDeploymentPath => Path(GateSettings.EndpointDeploymentPath);
        public string CiRunnerBundlesPath => Path(GateSettings.CiRunnerBundlesPath);
        public string ChannelManifestPath => Path(GateSettings.ChannelManifestPath);
        public string UpdaterPolicyPath => Path(GateSettings.UpdaterPolicyPath);
        public string PromotionEvidencePath => Path(GateSettings.PromotionEvidencePath);
        public string RollbackPlanPath => Path(GateSettings.RollbackPlanPath);
        public string RollbackRehearsalPath => Path(GateSettings.RollbackRehearsalPath);
        public string RollbackDrillHistoryPath => Path(GateSettings.RollbackDrillHistoryPath);
        public double RollbackDrillMaxAgeDays => Number(GateSettings.RollbackDrillMaxAgeDays);
        public string RollbackDrillSchedulePath => Path(GateSettings.RollbackDrillSchedulePath);
        public double RollbackDrillDueSoonDays => Number(GateSettings.RollbackDrillDueSoonDays);
        public double TimeoutSeconds => Number(GateSettings.TimeoutSeconds);
        /// <summary>Promotion evidence without runtime_sha256/policy_sha256 blocks the gate instead of warning.</summary>
        public bool RequireBoundEvidence => Switch(GateSettings.RequireBoundEvidence);
        /// <summary>How old a parity report's window_end may be (docs/design/measured-parity.md, "The gate check").</summary>
        public double ParityMaxAgeDays => Number(GateSettings.ParityMaxAgeDays);
        /// <summary>Promoted mode needs promotion evidence that names a verified parity report.</summary>
        public bool RequireParityReport => Switch(GateSettings.RequireParityReport);
        /// <summary>Connector config for drill notifications (CAVRA_CONNECTOR_CONFIG).</summary>
        public string ConnectorConfigPath => Path(GateSettings.ConnectorConfigPath);
        /// <summary>The notification ledger (CAVRA_GO_NOTIFICATION_LEDGER).</summary>
        public string NotificationLedgerPath => Path(GateSettings.NotificationLedgerPath);

        /// <summary>Every value with its source, in the order of <see cref="GateSettings.All"/>.</summary>
        public IReadOnlyList<ConfigSetting> Settings { get; }

        /// <summary>The drill schedule joins the promoted-mode gate only when configured (docs/design/readiness.md).</summary>
        public bool ScheduleConfigured => RollbackDrillSchedulePath.Length > 0;

        /// <summary>Drill notifications are part of the schedule step: a schedule and a connector config are both configured
        /// (docs/design/notifications.md §9).</summary>
        public bool NotificationsConfigured => ScheduleConfigured && ConnectorConfigPath.Length > 0;

        public ConfigSetting this[string name] =>
            _bySetting[GateSettings.Find(name) ?? throw new KeyNotFoundException($"'{name}' is not a setting")];

        public ConfigSetting this[GateSetting setting] => _bySetting[setting];

        /// <summary>A setting's value (of its <see cref="GateSetting.ValueType"/>).</summary>
        public object Value(GateSetting setting) => _bySetting[setting].Value;
        public string Path(GateSetting setting) => (string)Value(setting);
        public double Number(GateSetting setting) => (double)Value(setting);
        public bool Switch(GateSetting setting) => (bool)Value(setting);

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
            var old = _bySetting[GateSettings.Mode];
            settings[settings.IndexOf(old)] = old.WithValue(mode, ConfigSource.Parameter);
            return new GateConfig(settings);
        }

        /// <summary>The same configuration in promoted mode with another promotion evidence path, e.g. to judge evidence
        /// about to be written exactly as the gate will judge it there.</summary>
        public GateConfig WithPromotionEvidence(string path)
        {
            var settings = new List<ConfigSetting>(WithMode(BackendMode.Promoted).Settings);
            var old = _bySetting[GateSettings.PromotionEvidencePath];
            settings[settings.FindIndex(s => s.Setting == GateSettings.PromotionEvidencePath)] = old.WithValue(path ?? "", ConfigSource.Parameter);
            return new GateConfig(settings);
        }

        public static GateConfig Defaults => Resolve(null, _ => null);

        /// <summary>Resolves the configuration from parameters and the environment. <paramref name="environment"/> returns a
        /// variable's value or null when unset.</summary>
        public static GateConfig Resolve(GateParameters? parameters, Func<string, string?> environment) =>
            Resolve(parameters, null, environment);

        /// <summary>
        /// Resolves the configuration the way every cmdlet does: the settings file named by the SettingsPath parameter, else
        /// by CAVRA_GO_SETTINGS, is read (relative to <paramref name="files"/>' folder) and ranks between the parameters and
        /// the environment.
        /// </summary>
        /// <exception cref="SettingsFileException">A settings file is named but missing, unreadable or invalid.</exception>
        public static GateConfig Load(GateParameters? parameters, Func<string, string?> environment, InputFiles files)
        {
            string? settingsPath = parameters != null && parameters.TryGet(GateSettings.SettingsPath, out var given)
                ? (string)given : environment(GateSettings.SettingsPath.EnvironmentVariable);
            GateParameters? fromFile = string.IsNullOrEmpty(settingsPath) ? null : SettingsFile.Read(files, files.Resolve(settingsPath!));
            return Resolve(parameters, fromFile, environment, path => System.IO.File.Exists(files.Resolve(path)));
        }

        /// <summary>
        /// Resolves every row of <see cref="GateSettings"/>: a parameter, else the settings file's value, else the environment
        /// variable, else the default. Every value, whatever its source, goes through the row's one validator: a refused value
        /// is kept with its refusal (and a note), and whatever uses it fails closed.
        /// <para>The evidence directory (itself resolved like any setting) then fills each path that names an evidence file
        /// (<see cref="GateSetting.EvidenceFileName"/>) with that file in the directory, unless the path itself was given at
        /// the directory's level or a stronger one: <c>-EvidenceDirectory</c> beats <c>CAVRA_GO_ROLLBACK_PLAN</c>, but not
        /// <c>-RollbackPlanPath</c>, and <c>CAVRA_GO_EVIDENCE_DIR</c> fills only paths nothing else gives. An optional file
        /// (the drill schedule) is filled only when <paramref name="fileExists"/> finds it there.</para>
        /// </summary>
        public static GateConfig Resolve(GateParameters? parameters, GateParameters? settingsFile, Func<string, string?> environment,
            Func<string, bool>? fileExists = null)
        {
            var list = new List<ConfigSetting>(GateSettings.All.Count);
            foreach (var setting in GateSettings.All)
                list.Add(ResolveOne(setting, parameters, settingsFile, environment(setting.EnvironmentVariable)));

            var directory = list.Find(s => s.Setting == GateSettings.EvidenceDirectory);
            string folder = (string)directory.Value;
            if (folder.Length > 0 && directory.Refusal == null)
            {
                for (int i = 0; i < list.Count; i++)
                {
                    var s = list[i];
                    string? name = s.Setting.EvidenceFileName;
                    if (name == null || Rank(s.Source) >= Rank(directory.Source)) continue;
                    string path = name.Length == 0 ? folder : Join(folder, name);
                    if (s.Setting.EvidenceFileOptional && !(fileExists?.Invoke(path) ?? false)) continue;
                    list[i] = s.WithValue(path, ConfigSource.EvidenceDirectory);
                }
            }
            return new GateConfig(list);
        }

        /// <summary>How strong a source is; the evidence directory fills only paths from weaker sources than its own.</summary>
        private static int Rank(ConfigSource source) => source switch
        {
            ConfigSource.Parameter => 3,
            ConfigSource.SettingsFile => 2,
            ConfigSource.Environment => 1,
            _ => 0,
        };

        /// <summary>Python <c>Path(directory) / name</c>, as the release package directory joins its file names.</summary>
        private static string Join(string directory, string name)
        {
            char last = directory[directory.Length - 1];
            bool endsWithSeparator = last == '/' || last == System.IO.Path.DirectorySeparatorChar;
            return endsWithSeparator ? directory + name : directory + System.IO.Path.DirectorySeparatorChar + name;
        }

        private static ConfigSetting ResolveOne(GateSetting setting, GateParameters? parameters, GateParameters? settingsFile, string? env)
        {
            if (parameters != null && parameters.TryGet(setting, out var given))
                return Checked(setting, given, ConfigSource.Parameter, env, $"{setting.Name} {GateSetting.Describe(given)}");
            if (settingsFile != null && settingsFile.TryGet(setting, out var filed))
                return Checked(setting, filed, ConfigSource.SettingsFile, env, $"{setting.Key} {GateSetting.Describe(filed)} in the settings file");
            if (env == null) return new ConfigSetting(setting, setting.DefaultValue, ConfigSource.Default, null, null);
            if (!setting.TryParseText(env, out var parsed, out string? note))
                return new ConfigSetting(setting, parsed, ConfigSource.Default, env, note);
            if (note != null) return new ConfigSetting(setting, parsed, ConfigSource.Environment, env, note);
            return Checked(setting, parsed, ConfigSource.Environment, env, $"{setting.EnvironmentVariable}='{env}'");
        }

        private static ConfigSetting Checked(GateSetting setting, object value, ConfigSource source, string? env, string described)
        {
            string? refusal = setting.Refusal(value);
            if (refusal != null)
                return new ConfigSetting(setting, value, source, env, $"{described} is refused: {setting.Key ?? setting.Name} {refusal}; what uses it fails closed", refusal);
            string? caution = setting.Caution(value);
            return new ConfigSetting(setting, value, source, env, caution == null ? null : described + " " + caution);
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

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject();
            foreach (var s in Settings) if (s.Setting.Key != null) w.Property(s.Setting.Key, s.Value);
            w.EndObject();
        }
    }
}
