using System.Collections.Generic;
using System.Linq;

namespace Cavra.Gate.Configuration
{
    /// <summary>
    /// The settings table: every Go backend setting once, in upstream <c>GoBackendConfig</c> order. It drives resolution
    /// (<see cref="GateConfig"/>), the settings file (<see cref="SettingsFile"/>), the cmdlets' configuration parameters
    /// (a test holds each cmdlet to exactly these rows) and the docs (a test holds the about topic's table to it).
    /// Adding a setting is one row here plus its check; docs/design/configuration.md describes the table. Because PowerShell
    /// binds compile-time properties, the row also needs, in the same words (tests fail until each is there):
    /// a property on GateConfigurationCmdlet with [ValidateGateSetting] (SwitchParameter for a Switch row), a parameter of
    /// the readiness pack (module/ReadinessPack), a line in about_Cavra_GoPromotion's Settings list, and a parameter section
    /// in the help page of every gate-configuration cmdlet. Read the value with <see cref="GateConfig.Value"/> (or
    /// Path/Number/Switch), or add a typed property to GateConfig.
    /// </summary>
    public static class GateSettings
    {
        /// <summary>The one cap on a runtime call, for every source (CAVRA_GO_RUNTIME_TIMEOUT_SECONDS=inf must not escape it).</summary>
        public const double MinimumTimeoutSeconds = 0.001;
        public const double MaximumTimeoutSeconds = 3600;

        public static readonly GateSetting Mode = new GateSetting("Mode", "CAVRA_GO_BACKEND_MODE", "mode", SettingKind.Mode, BackendMode.Disabled,
            "How the pilot uses the Go runtime: disabled, shadow, enforce or promoted.",
            "disabled, shadow, enforce or promoted; unknown environment text is disabled (fails closed)");
        public static readonly GateSetting RuntimePath = Path("RuntimePath", "CAVRA_GO_RUNTIME_PATH", "runtime_path", "The cavra-runtime binary.");
        public static readonly GateSetting PolicyPath = Path("PolicyPath", "CAVRA_GO_RUNTIME_POLICY", "policy_path", "The compiled policy JSON.");
        public static readonly GateSetting RegistryPath = Path("RegistryPath", "CAVRA_GO_RUNTIME_REGISTRY", "registry_path", "The optional MCP trust registry JSON.");
        public static readonly GateSetting PackageDir = Path("PackageDir", "CAVRA_GO_RUNTIME_PACKAGE_DIR", "package_dir",
            "Release package folder holding the deployment metadata files under their default names.", "");
        public static readonly GateSetting EndpointDeploymentPath = Path("EndpointDeploymentPath", "CAVRA_GO_ENDPOINT_DEPLOYMENT_MANIFEST", "endpoint_deployment_path",
            "Endpoint deployment manifest.");
        public static readonly GateSetting CiRunnerBundlesPath = Path("CiRunnerBundlesPath", "CAVRA_GO_CI_RUNNER_BUNDLES", "ci_runner_bundles_path", "CI runner bundle metadata.");
        public static readonly GateSetting ChannelManifestPath = Path("ChannelManifestPath", "CAVRA_GO_WORKSTATION_CHANNELS", "channel_manifest_path", "Workstation channel manifest.");
        public static readonly GateSetting UpdaterPolicyPath = Path("UpdaterPolicyPath", "CAVRA_GO_WORKSTATION_UPDATER_POLICY", "updater_policy_path", "Workstation updater policy.");
        public static readonly GateSetting PromotionEvidencePath = Path("PromotionEvidencePath", "CAVRA_GO_PROMOTION_EVIDENCE", "promotion_evidence_path", "Promotion evidence.",
            "cavra-runtime.go-backend-promotion-evidence.json");
        public static readonly GateSetting RollbackPlanPath = Path("RollbackPlanPath", "CAVRA_GO_ROLLBACK_PLAN", "rollback_plan_path", "Rollback plan.",
            "cavra-runtime.go-backend-rollback-plan.json");
        public static readonly GateSetting RollbackRehearsalPath = Path("RollbackRehearsalPath", "CAVRA_GO_ROLLBACK_REHEARSAL_EVIDENCE", "rollback_rehearsal_path",
            "Rollback rehearsal evidence.", "cavra-runtime.go-backend-rollback-rehearsal.json");
        public static readonly GateSetting RollbackDrillHistoryPath = Path("RollbackDrillHistoryPath", "CAVRA_GO_ROLLBACK_DRILL_HISTORY", "rollback_drill_history_path",
            "Rollback drill history.", "cavra-runtime.go-backend-rollback-drills.json");
        public static readonly GateSetting RollbackDrillMaxAgeDays = Days("RollbackDrillMaxAgeDays", "CAVRA_GO_ROLLBACK_DRILL_MAX_AGE_DAYS", "rollback_drill_max_age_days", 90,
            "How old the latest drill may be, in days, before the history is stale.");
        public static readonly GateSetting RollbackDrillSchedulePath = Path("RollbackDrillSchedulePath", "CAVRA_GO_ROLLBACK_DRILL_SCHEDULE", "rollback_drill_schedule_path",
            "Rollback drill schedule; joins the promoted-mode gate only when configured.", "cavra-runtime.go-backend-rollback-drill-schedule.json", optional: true);
        public static readonly GateSetting RollbackDrillDueSoonDays = Days("RollbackDrillDueSoonDays", "CAVRA_GO_ROLLBACK_DRILL_DUE_SOON_DAYS", "rollback_drill_due_soon_days", 14,
            "How many days before the next drill is due the schedule reports due_soon.");
        public static readonly GateSetting TimeoutSeconds = new GateSetting("TimeoutSeconds", "CAVRA_GO_RUNTIME_TIMEOUT_SECONDS", "timeout_seconds", SettingKind.Number, 5.0,
            "How long one runtime call may take before it is killed and the built-in decision is used.",
            "0.001 to 3600 seconds; a refused environment value makes runtime calls fail closed",
            refuse: v => v is double d && d > 0
                ? d >= MinimumTimeoutSeconds && d <= MaximumTimeoutSeconds ? null : "must be between 0.001 and 3600"
                : "must be a positive number");

        /// <summary>A settings file (the API's --settings): the level between parameters and the environment. A settings file
        /// cannot name another, so it has no key.</summary>
        public static readonly GateSetting SettingsPath = new GateSetting("SettingsPath", "CAVRA_GO_SETTINGS", null, SettingKind.Path, "",
            "A JSON settings file of the snake_case keys below; its values rank above the environment. Relative paths in it resolve against its folder.",
            "a readable settings file; a missing or invalid one is an error");
        /// <summary>One folder holding the evidence under upstream's default file names; fills the evidence paths at its own level.</summary>
        public static readonly GateSetting EvidenceDirectory = Path("EvidenceDirectory", "CAVRA_GO_EVIDENCE_DIR", "evidence_dir",
            "A folder with the evidence files under their default names (promotion evidence, rollback plan, rehearsal, drills, drill schedule when present) and the deployment metadata; each file's own setting at the same or a higher level wins.");

        /// <summary>Promotion evidence must be bound to a binary: without runtime_sha256/policy_sha256 the
        /// go_promotion_evidence_binding check blocks instead of warning. Unreadable environment text turns it on (fails closed).</summary>
        public static readonly GateSetting RequireBoundEvidence = new GateSetting("RequireBoundEvidence", "CAVRA_GO_REQUIRE_BOUND_EVIDENCE", "require_bound_evidence",
            SettingKind.Switch, false,
            "Promotion evidence without runtime_sha256 and policy_sha256 blocks the gate (go_promotion_evidence_binding) instead of warning.",
            "true or false (environment: 1/0, true/false, yes/no, on/off; any other text turns it on)", unreadableValue: true);

        /// <summary>How old a parity report's window_end may be before go_promotion_parity_report fails (measured parity).</summary>
        public static readonly GateSetting ParityMaxAgeDays = Days("ParityMaxAgeDays", "CAVRA_GO_PARITY_MAX_AGE_DAYS", "parity_max_age_days", 30,
            "How old (by its window_end) the parity report named by promotion evidence may be (go_promotion_parity_report).");
        /// <summary>Promoted mode needs promotion evidence that names a verified parity report. Unreadable environment text turns it on (fails closed).</summary>
        public static readonly GateSetting RequireParityReport = new GateSetting("RequireParityReport", "CAVRA_GO_REQUIRE_PARITY_REPORT", "require_parity_report",
            SettingKind.Switch, false,
            "Promotion evidence must name a parity report from Measure-CavraGoParity that the gate verifies (go_promotion_parity_report); without one the gate stays closed.",
            "true or false (environment: 1/0, true/false, yes/no, on/off; any other text turns it on)", unreadableValue: true);

        /// <summary>Drill notifications: the connector config (upstream's CAVRA_CONNECTOR_CONFIG, outside the CAVRA_GO_ family).
        /// With a drill schedule it adds go_rollback_drill_notification_recovery to the schedule step (docs/design/notifications.md §9).</summary>
        public static readonly GateSetting ConnectorConfigPath = Path("ConnectorConfigPath", "CAVRA_CONNECTOR_CONFIG", "connector_config_path",
            "Connector config for drill notifications (per provider a URL, headers, timeout, retries); with a drill schedule it adds the go_rollback_drill_notification_recovery check.");
        /// <summary>The notification ledger the recovery check reads and the notification cmdlets append to (docs/design/notifications.md §6).</summary>
        public static readonly GateSetting NotificationLedgerPath = Path("NotificationLedgerPath", "CAVRA_GO_NOTIFICATION_LEDGER", "notification_ledger_path",
            "Notification ledger (JSONL) of deliveries, retry approvals, retry executions and closures; go_rollback_drill_notification_recovery reads it.");

        /// <summary>Every row: upstream's settings in upstream order, then this module's own (the order of
        /// Get-CavraGoBackendConfig and the canonical JSON).</summary>
        public static IReadOnlyList<GateSetting> All { get; } = new[]
        {
            Mode, RuntimePath, PolicyPath, RegistryPath, PackageDir, EndpointDeploymentPath, CiRunnerBundlesPath, ChannelManifestPath,
            UpdaterPolicyPath, PromotionEvidencePath, RollbackPlanPath, RollbackRehearsalPath, RollbackDrillHistoryPath, RollbackDrillMaxAgeDays,
            RollbackDrillSchedulePath, RollbackDrillDueSoonDays, TimeoutSeconds, SettingsPath, EvidenceDirectory,
            RequireBoundEvidence, ParityMaxAgeDays, RequireParityReport, ConnectorConfigPath, NotificationLedgerPath,
        };

        private static readonly Dictionary<string, GateSetting> ByName = All.ToDictionary(s => s.Name, System.StringComparer.OrdinalIgnoreCase);
        private static readonly Dictionary<string, GateSetting> ByKey = All.Where(s => s.Key != null).ToDictionary(s => s.Key!, System.StringComparer.Ordinal);

        /// <summary>The row for a parameter name (case-insensitive, as PowerShell binds), or null.</summary>
        public static GateSetting? Find(string name) => ByName.TryGetValue(name, out var s) ? s : null;

        /// <summary>The row for a settings-file key (exact, as upstream's keys are), or null.</summary>
        public static GateSetting? FindKey(string key) => ByKey.TryGetValue(key, out var s) ? s : null;

        private static GateSetting Path(string name, string variable, string key, string summary, string? evidenceFileName = null, bool optional = false) =>
            new GateSetting(name, variable, key, SettingKind.Path, "", summary, evidenceFileName: evidenceFileName, evidenceFileOptional: optional);

        // Zero, negative or NaN ages are accepted as upstream accepts them: every check that uses them fails closed.
        private static GateSetting Days(string name, string variable, string key, double days, string summary) =>
            new GateSetting(name, variable, key, SettingKind.Number, days, summary, "a number of days; zero, negative or NaN makes its checks fail closed",
                caution: v => v is double d && !(d > 0) ? "is not a positive number; checks that use it fail closed" : null);
    }
}
