using Cavra.Gate.Configuration;
using Cavra.Gate.Json;

namespace Cavra.Api;

/// <summary>
/// Reads the configuration for one request: the settings file's values as parameters over the CAVRA_GO_* environment,
/// exactly as a cmdlet's parameters override the environment. The file goes through the same strict reader as every
/// evidence file (size, depth, duplicate keys, UTF-8). A relative path in it resolves against the file's own folder,
/// so a settings file means the same files wherever the server was started.
/// </summary>
internal static class ApiSettings
{
    public static GateConfig Resolve(string? settingsPath, Func<string, string?> environment)
    {
        var parameters = new GateParameters();
        if (settingsPath != null)
        {
            var read = new InputFiles().ReadObject(settingsPath);
            if (!read.Valid) throw new SettingsException($"settings file {settingsPath}: {read.Message}");
            string folder = Path.GetDirectoryName(settingsPath) ?? "";
            foreach (var m in read.Payload.Members) Apply(parameters, m.Key, m.Value, settingsPath, folder);
        }
        return GateConfig.Resolve(parameters, environment);
    }

    private static void Apply(GateParameters p, string key, JsonValue value, string file, string folder)
    {
        string Text() => value is JsonString s ? s.Value : throw new SettingsException($"settings file {file}: {key} must be a string");
        // "" stays "not configured" (overriding the environment), as an explicit empty cmdlet parameter does.
        string PathText()
        {
            string t = Text();
            if (t.Length == 0 || Path.IsPathRooted(t)) return t;
            try { return Path.GetFullPath(Path.Combine(folder, t)); }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                throw new SettingsException($"settings file {file}: {key} is not a usable path");
            }
        }
        double Number() => value is JsonNumber n ? n.Value : throw new SettingsException($"settings file {file}: {key} must be a number");
        switch (key)
        {
            case "mode":
                var mode = GateConfig.NormalizeMode(Text(), out bool ok);
                if (!ok) throw new SettingsException($"settings file {file}: mode must be disabled, shadow, enforce or promoted");
                p.Mode = mode;
                break;
            case "runtime_path": p.RuntimePath = PathText(); break;
            case "policy_path": p.PolicyPath = PathText(); break;
            case "registry_path": p.RegistryPath = PathText(); break;
            case "package_dir": p.PackageDir = PathText(); break;
            case "endpoint_deployment_path": p.EndpointDeploymentPath = PathText(); break;
            case "ci_runner_bundles_path": p.CiRunnerBundlesPath = PathText(); break;
            case "channel_manifest_path": p.ChannelManifestPath = PathText(); break;
            case "updater_policy_path": p.UpdaterPolicyPath = PathText(); break;
            case "promotion_evidence_path": p.PromotionEvidencePath = PathText(); break;
            case "rollback_plan_path": p.RollbackPlanPath = PathText(); break;
            case "rollback_rehearsal_path": p.RollbackRehearsalPath = PathText(); break;
            case "rollback_drill_history_path": p.RollbackDrillHistoryPath = PathText(); break;
            case "rollback_drill_max_age_days": p.RollbackDrillMaxAgeDays = Number(); break;
            case "rollback_drill_schedule_path": p.RollbackDrillSchedulePath = PathText(); break;
            case "rollback_drill_due_soon_days": p.RollbackDrillDueSoonDays = Number(); break;
            case "timeout_seconds":
                // The same range Invoke-CavraGoPilotEvaluate's -TimeoutSeconds accepts.
                double t = Number();
                p.TimeoutSeconds = t is >= 0.001 and <= 3600 ? t : throw new SettingsException($"settings file {file}: timeout_seconds must be between 0.001 and 3600");
                break;
            case "parity_max_age_days": p.ParityMaxAgeDays = Number(); break;
            case "require_parity_report":
                p.RequireParityReport = value is JsonBoolean b ? b.Value : throw new SettingsException($"settings file {file}: require_parity_report must be true or false");
                break;
            default: throw new SettingsException($"settings file {file}: unknown key '{key}'");
        }
    }
}

internal sealed class SettingsException(string message) : Exception(message);
