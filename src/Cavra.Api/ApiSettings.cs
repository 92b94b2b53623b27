using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.FileSystem;

namespace Cavra.Api;

/// <summary>
/// Reads the configuration for one request: the settings file (<see cref="SettingsFile"/>, keyed by the settings table's
/// snake_case keys) over the CAVRA_GO_* environment, exactly as a cmdlet's -SettingsPath does, with the evidence
/// directory (evidence_dir, CAVRA_GO_EVIDENCE_DIR) filling evidence paths as it does for the cmdlets. The file is re-read on
/// every request, so a changed file is seen.
/// </summary>
internal static class ApiSettings
{
    /// <summary>The configuration for one request; without --settings, CAVRA_GO_SETTINGS names the file, as for the cmdlets.</summary>
    public static GateConfig Resolve(string? settingsPath, Func<string, string?> environment)
    {
        var given = new GateParameters();
        if (settingsPath != null) given.Set(GateSettings.SettingsPath, settingsPath);
        try { return GateConfig.Load(given, environment, new InputFiles()); }
        catch (SettingsFileException ex) { throw new SettingsException(ex.Message); }
    }
}

internal sealed class SettingsException(string message) : Exception(message);
