using System;
using System.Collections.Generic;

namespace Cavra.Gate.Configuration
{
    /// <summary>Values given explicitly at one level (cmdlet parameters, or a settings file), keyed by their row in
    /// <see cref="GateSettings"/>. A setting not given falls through to the next level (settings file, environment, default).
    /// The typed properties are conveniences over the same values.</summary>
    public sealed class GateParameters
    {
        private readonly Dictionary<GateSetting, object> _values = new Dictionary<GateSetting, object>();

        /// <summary>Gives a value (of the row's <see cref="GateSetting.ValueType"/>), or with null takes it back.</summary>
        public void Set(GateSetting setting, object? value)
        {
            if (value == null) { _values.Remove(setting); return; }
            if (value.GetType() != setting.ValueType)
                throw new ArgumentException($"{setting.Name} takes a {setting.ValueType.Name}, not a {value.GetType().Name}", nameof(value));
            _values[setting] = value;
        }

        public bool TryGet(GateSetting setting, out object value) => _values.TryGetValue(setting, out value!);

        /// <summary>The settings given, in no particular order.</summary>
        public IEnumerable<KeyValuePair<GateSetting, object>> Given => _values;

        private T? Get<T>(GateSetting s) where T : struct => _values.TryGetValue(s, out var v) ? (T)v : (T?)null;
        private string? Text(GateSetting s) => _values.TryGetValue(s, out var v) ? (string)v : null;

        public BackendMode? Mode { get => Get<BackendMode>(GateSettings.Mode); set => Set(GateSettings.Mode, value); }
        public string? RuntimePath { get => Text(GateSettings.RuntimePath); set => Set(GateSettings.RuntimePath, value); }
        public string? PolicyPath { get => Text(GateSettings.PolicyPath); set => Set(GateSettings.PolicyPath, value); }
        public string? RegistryPath { get => Text(GateSettings.RegistryPath); set => Set(GateSettings.RegistryPath, value); }
        public string? PackageDir { get => Text(GateSettings.PackageDir); set => Set(GateSettings.PackageDir, value); }
        public string? EndpointDeploymentPath { get => Text(GateSettings.EndpointDeploymentPath); set => Set(GateSettings.EndpointDeploymentPath, value); }
        public string? CiRunnerBundlesPath { get => Text(GateSettings.CiRunnerBundlesPath); set => Set(GateSettings.CiRunnerBundlesPath, value); }
        public string? ChannelManifestPath { get => Text(GateSettings.ChannelManifestPath); set => Set(GateSettings.ChannelManifestPath, value); }
        public string? UpdaterPolicyPath { get => Text(GateSettings.UpdaterPolicyPath); set => Set(GateSettings.UpdaterPolicyPath, value); }
        public string? PromotionEvidencePath { get => Text(GateSettings.PromotionEvidencePath); set => Set(GateSettings.PromotionEvidencePath, value); }
        public string? RollbackPlanPath { get => Text(GateSettings.RollbackPlanPath); set => Set(GateSettings.RollbackPlanPath, value); }
        public string? RollbackRehearsalPath { get => Text(GateSettings.RollbackRehearsalPath); set => Set(GateSettings.RollbackRehearsalPath, value); }
        public string? RollbackDrillHistoryPath { get => Text(GateSettings.RollbackDrillHistoryPath); set => Set(GateSettings.RollbackDrillHistoryPath, value); }
        public double? RollbackDrillMaxAgeDays { get => Get<double>(GateSettings.RollbackDrillMaxAgeDays); set => Set(GateSettings.RollbackDrillMaxAgeDays, value); }
        public string? RollbackDrillSchedulePath { get => Text(GateSettings.RollbackDrillSchedulePath); set => Set(GateSettings.RollbackDrillSchedulePath, value); }
        public double? RollbackDrillDueSoonDays { get => Get<double>(GateSettings.RollbackDrillDueSoonDays); set => Set(GateSettings.RollbackDrillDueSoonDays, value); }
        public double? TimeoutSeconds { get => Get<double>(GateSettings.TimeoutSeconds); set => Set(GateSettings.TimeoutSeconds, value); }
        public bool? RequireBoundEvidence { get => Get<bool>(GateSettings.RequireBoundEvidence); set => Set(GateSettings.RequireBoundEvidence, value); }
        public double? ParityMaxAgeDays { get => Get<double>(GateSettings.ParityMaxAgeDays); set => Set(GateSettings.ParityMaxAgeDays, value); }
        public bool? RequireParityReport { get => Get<bool>(GateSettings.RequireParityReport); set => Set(GateSettings.RequireParityReport, value); }
        public string? ConnectorConfigPath { get => Text(GateSettings.ConnectorConfigPath); set => Set(GateSettings.ConnectorConfigPath, value); }
        public string? NotificationLedgerPath { get => Text(GateSettings.NotificationLedgerPath); set => Set(GateSettings.NotificationLedgerPath, value); }
    }
}
