using System;
using System.Management.Automation;
using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>
    /// The configuration parameters every gate and pilot cmdlet shares: one per row of the settings table
    /// (Cavra.Gate.Configuration.GateSettings). An unset parameter falls back to its CAVRA_GO_* environment variable,
    /// then to the default (docs/design/configuration.md).
    /// Paths are resolved through PowerShell so $PWD, PS drives and TestDrive: work.
    /// </summary>
    public abstract class GateConfigurationCmdlet : PSCmdlet
    {
        // One property per row of the settings table (GateSettings), with the row's name and type: PowerShell binds
        // compile-time properties, so they are declared here; a test holds them to the table, row for row.
        // Backed by an int: a field of an enum type from Cavra.Gate would make loading this type (and every cmdlet
        // deriving from it) load Cavra.Gate, while PowerShell lists the module's types on import, before the module's
        // initializer chooses which Cavra.Gate.dll this process loads (ModuleInitializer).
        [Parameter] [ValidateGateSetting(nameof(Mode))] public BackendMode Mode { get => (BackendMode)_mode; set => _mode = (int)value; }
        private int _mode;
        [Parameter] [ValidateGateSetting(nameof(RuntimePath))] public string RuntimePath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(PolicyPath))] public string PolicyPath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(RegistryPath))] public string RegistryPath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(PackageDir))] public string PackageDir { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(EndpointDeploymentPath))] public string EndpointDeploymentPath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(CiRunnerBundlesPath))] public string CiRunnerBundlesPath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(ChannelManifestPath))] public string ChannelManifestPath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(UpdaterPolicyPath))] public string UpdaterPolicyPath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(PromotionEvidencePath))] public string PromotionEvidencePath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(RollbackPlanPath))] public string RollbackPlanPath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(RollbackRehearsalPath))] public string RollbackRehearsalPath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(RollbackDrillHistoryPath))] public string RollbackDrillHistoryPath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(RollbackDrillMaxAgeDays))] public double RollbackDrillMaxAgeDays { get; set; }
        [Parameter] [ValidateGateSetting(nameof(RollbackDrillSchedulePath))] public string RollbackDrillSchedulePath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(RollbackDrillDueSoonDays))] public double RollbackDrillDueSoonDays { get; set; }
        [Parameter] [ValidateGateSetting(nameof(TimeoutSeconds))] public double TimeoutSeconds { get; set; }
        [Parameter] [ValidateGateSetting(nameof(SettingsPath))] public string SettingsPath { get; set; } = null!;
        [Parameter] [ValidateGateSetting(nameof(EvidenceDirectory))] public string EvidenceDirectory { get; set; } = null!;
        /// <summary>Promotion evidence must carry runtime_sha256 and policy_sha256 (go_promotion_evidence_binding blocks instead of warning).</summary>
        [Parameter] [ValidateGateSetting(nameof(RequireBoundEvidence))] public SwitchParameter RequireBoundEvidence { get; set; }
        /// <summary>How old a parity report named by promotion evidence may be, in days (default 30).</summary>
        [Parameter] [ValidateGateSetting(nameof(ParityMaxAgeDays))] public double ParityMaxAgeDays { get; set; }
        /// <summary>Promoted mode needs a verified parity report (go_promotion_parity_report).</summary>
        [Parameter] [ValidateGateSetting(nameof(RequireParityReport))] public SwitchParameter RequireParityReport { get; set; }
        /// <summary>Connector config for drill notifications; with a schedule it adds go_rollback_drill_notification_recovery.</summary>
        [Parameter] [ValidateGateSetting(nameof(ConnectorConfigPath))] public string ConnectorConfigPath { get; set; } = null!;
        /// <summary>The notification ledger the recovery check reads.</summary>
        [Parameter] [ValidateGateSetting(nameof(NotificationLedgerPath))] public string NotificationLedgerPath { get; set; } = null!;

        /// <summary>The clock every evaluation uses; tests of the cmdlets can set it through the module's session state.</summary>
        protected TimeProvider Clock => TimeProvider.System;

        /// <summary>Builds the effective configuration (parameters, the settings file, CAVRA_GO_*, the evidence directory,
        /// the defaults) and narrates its sources with -Verbose. A settings file that is named but missing or invalid is a
        /// terminating error (SettingsFileNotFound, SettingsFileInvalid): nothing is evaluated on a configuration half read.</summary>
        protected GateConfig ResolveConfig() => ResolveConfig(this, BoundSettings());

        /// <summary><see cref="ResolveConfig()"/> for cmdlets that declare only some settings as parameters.</summary>
        internal static GateConfig ResolveConfig(PSCmdlet cmdlet, GateParameters given)
        {
            GateConfig config;
            try { config = GateConfig.Load(given, Environment.GetEnvironmentVariable, FileSystemPaths.InputFilesAt(cmdlet, narrate: false)); }
            catch (SettingsFileException ex)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ex.Missing ? "SettingsFileNotFound" : "SettingsFileInvalid",
                    ex.Missing ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidData, ex.Path));
                throw; // not reached: ThrowTerminatingError always throws
            }
            foreach (var s in config.Settings)
                if (s.Source != ConfigSource.Default) cmdlet.WriteVerbose($"{s.Name} = '{s.Value}' (from {DescribeSource(s)})");
            foreach (var s in config.Notes) cmdlet.WriteVerbose(s.Note);
            return config;
        }

        /// <summary>The engine's file door, with relative paths resolved against PowerShell's current location.</summary>

        /// <summary>The settings given as parameters, read from the bound parameters by the table's names (no reflection);
        /// paths resolved against $PWD through PowerShell, so PS drives and TestDrive: work.</summary>
        protected GateParameters BoundSettings() => BoundSettings(this);

        /// <summary><see cref="BoundSettings()"/> for any cmdlet: the bound parameters that are rows of the settings table
        /// (or only <paramref name="only"/>, for a cmdlet whose other parameters share a row's name but not its meaning).</summary>
        internal static GateParameters BoundSettings(PSCmdlet cmdlet, params GateSetting[] only)
        {
            var given = new GateParameters();
            foreach (var setting in only.Length > 0 ? only : GateSettings.All)
                if (cmdlet.MyInvocation.BoundParameters.TryGetValue(setting.Name, out var value))
                    given.Set(setting, ParameterValue(cmdlet, setting, value));
            return given;
        }

        /// <summary>A bound parameter's value as the table's type; an explicit empty path means "not configured", overriding the environment.</summary>
        protected object ParameterValue(GateSetting setting, object? value) => ParameterValue(this, setting, value);

        private static object ParameterValue(PSCmdlet cmdlet, GateSetting setting, object? value)
        {
            if (value is PSObject ps) value = ps.BaseObject;
            switch (setting.Kind)
            {
                case SettingKind.Path:
                    string text = value as string ?? "";
                    return text.Length == 0 ? "" : FileSystemPaths.Resolve(cmdlet, text);
                case SettingKind.Switch:
                    return value is SwitchParameter sw ? sw.IsPresent : LanguagePrimitives.IsTrue(value);
                default:
                    return LanguagePrimitives.ConvertTo(value, setting.ValueType, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        /// <summary>A gate context whose file reads are narrated with -Verbose and whose relative paths resolve against $PWD.</summary>
        protected GateContext CreateContext(GateConfig config) => new GateContext(config, FileSystemPaths.InputFilesAt(this), Clock);

        private static string DescribeSource(ConfigSetting s) => s.Source switch
        {
            ConfigSource.Environment => "environment " + s.EnvironmentVariable,
            ConfigSource.SettingsFile => "settings file",
            ConfigSource.EvidenceDirectory => "evidence directory",
            _ => "parameter",
        };
    }
}
