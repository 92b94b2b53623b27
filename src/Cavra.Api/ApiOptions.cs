using System.Globalization;
using System.Net;

namespace Cavra.Api;

/// <summary>How the API is started: where it listens and where its configuration comes from.</summary>
public sealed class ApiOptions
{
    public IPAddress Address { get; set; } = IPAddress.Loopback;
    public int Port { get; set; } = 8000;
    /// <summary>A JSON settings file with upstream's snake_case configuration keys, re-read on every request; null means the CAVRA_GO_* environment.</summary>
    public string? SettingsPath { get; set; }
    /// <summary>Binding to anything but a loopback address must be asked for explicitly.</summary>
    public bool AllowRemote { get; set; }

    public static ApiOptions Parse(string[] args)
    {
        var o = new ApiOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--address": o.Address = IPAddress.TryParse(Value(), out var a) ? a : throw new ArgumentException($"--address '{args[i]}' is not an IP address"); break;
                case "--port":
                    string p = Value();
                    o.Port = int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 0 and <= 65535 ? port : throw new ArgumentException($"--port '{p}' is not a port number");
                    break;
                case "--settings": o.SettingsPath = Path.GetFullPath(Value()); break;
                case "--allow-remote": o.AllowRemote = true; break;
                default: throw new ArgumentException($"unknown option '{args[i]}' (expected --address, --port, --settings, --allow-remote)");
            }
        }
        if (!IPAddress.IsLoopback(o.Address) && !o.AllowRemote)
            throw new ArgumentException($"refusing to listen on {o.Address}: only loopback addresses are allowed without --allow-remote");
        return o;
    }
}
