using Cavra.Gate.Configuration;
using Cavra.Gate.Json;

namespace Cavra.Api;

/// <summary>
/// Reads the configuration for one request: the settings file (<see cref="SettingsFile"/>, keyed by the settings table's
/// snake_case keys) over the CAVRA_GO_* environment, exactly as a cmdlet's -SettingsPath does. The file is re-read on
/// every request, so a changed file is seen.
/// </summary>
internal static class ApiSettings
{
    public static GateConfig Resolve(string? settingsPath, Func<string, string?> environment)
    {
        GateParameters? fromFile = null;
        if (settingsPath != null)
        {
            try { fromFile = SettingsFile.Read(new InputFiles(), settingsPath); }
            catch (SettingsFileException ex) { throw new SettingsException(ex.Message); }
        }
        return GateConfig.Resolve(null, fromFile, environment);
    }
}

internal sealed class SettingsException(string message) : Exception(message);
