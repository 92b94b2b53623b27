using Cavra.Gate.Configuration;
using Cavra.Gate.Json;

namespace Cavra.Api;

/// <summary>Reads the configuration for one request: the settings file's values as parameters over the CAVRA_GO_* environment.</summary>
internal static class ApiSettings
{
    public static GateConfig Resolve(string? settingsPath)
    {
        var parameters = new GateParameters();
        if (settingsPath != null)
        {
            var read = new InputFiles().ReadObject(settingsPath);
            if (!read.Valid) throw new SettingsException($"settings file {settingsPath}: {read.Message}");
            foreach (var m in read.Payload.Members) Apply(parameters, m.Key, m.Value, settingsPath);
        }
        return GateConfig.Resolve(parameters, Environment.GetEnvironmentVariable);
    }

    private static void Apply(GateParameters p, string key, JsonValue value, string file)
    {
        string Text() => value is JsonString s ? s.Value : throw new SettingsException($"settings file {file}: {key} must be a string");
        double Number() => value is JsonNumber n ? n.Value : throw new SettingsException($"settings file {file}: {key} must be a number");
        switch (key)
        {
            case "mode":
                var mode = GateConfig.NormalizeMode(Text(), out bool ok);
                if (!ok) throw new SettingsException($"settings file {file}: mode must be disabled, shadow, enforce or promoted");
                p.Mode = mode;
                break;
            case "runtime_path": p.RuntimePath = Text(); break;
            case "policy_path": p.PolicyPath = Text(); break;
            case "registry_path": p.RegistryPath = Text(); break;
            case "package_dir": p.PackageDir = Text(); break;
            case "endpoint_deployment_path": p.EndpointDeploymentPath = Text(); break;
            case "ci_runner_bundles_path": p.CiRunnerBundlesPath = Text(); break;
            case "channel_manifest_path": p.ChannelManifestPath = Text(); break;
            case "updater_policy_path": p.UpdaterPolicyPath = Text(); break;
            case "promotion_evidence_path": p.PromotionEvidencePath = Text(); break;
            case "rollback_plan_path": p.RollbackPlanPath = Text(); break;
            case "rollback_rehearsal_path": p.RollbackRehearsalPath = Text(); break;
            case "rollback_drill_history_path": p.RollbackDrillHistoryPath = Text(); break;
            case "rollback_drill_max_age_days": p.RollbackDrillMaxAgeDays = Number(); break;
            case "rollback_drill_schedule_path": p.RollbackDrillSchedulePath = Text(); break;
            case "rollback_drill_due_soon_days": p.RollbackDrillDueSoonDays = Number(); break;
            case "timeout_seconds": p.TimeoutSeconds = Number(); break;
            default: throw new SettingsException($"settings file {file}: unknown key '{key}'");
        }
    }
}

internal sealed class SettingsException(string message) : Exception(message);
