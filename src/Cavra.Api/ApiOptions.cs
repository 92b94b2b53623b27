using System.Globalization;
using System.Net;
using Cavra.Gate.Time;

namespace Cavra.Api;

/// <summary>How the API is started: where it listens and where its configuration comes from.</summary>
public sealed class ApiOptions
{
    public const string Usage =
        "usage: Cavra.Api [--address IP] [--port N] [--settings FILE] [--allow-remote] [--exit-when-stdin-closes]\n" +
        "  --address IP               listen address (default 127.0.0.1); a non-loopback address needs --allow-remote\n" +
        "  --port N                   TCP port (default 8000; 0 picks a free port, printed on the first line)\n" +
        "  --settings FILE            JSON file with upstream's snake_case configuration keys, re-read on every request;\n" +
        "                             relative paths in it resolve against the file's folder (default: CAVRA_GO_SETTINGS,\n" +
        "                             else CAVRA_GO_* only)\n" +
        "  --allow-remote             permit a non-loopback --address\n" +
        "  --exit-when-stdin-closes   shut down when standard input reaches end of file (the owner process has gone)";

    public IPAddress Address { get; set; } = IPAddress.Loopback;
    public int Port { get; set; } = 8000;
    /// <summary>A JSON settings file with upstream's snake_case configuration keys, re-read on every request; null means the CAVRA_GO_* environment.</summary>
    public string? SettingsPath { get; set; }
    /// <summary>Binding to anything but a loopback address must be asked for explicitly.</summary>
    public bool AllowRemote { get; set; }
    /// <summary>Stop when standard input closes: the process that started the API holds the other end, so the API
    /// cannot outlive it even when it is killed without a chance to clean up.</summary>
    public bool ExitWhenStdinCloses { get; set; }
    /// <summary>True when --help was asked for.</summary>
    public bool Help { get; set; }

    /// <summary>The one clock; tests pin it so bodies that carry ages (drill age_days) are comparable byte for byte.</summary>
    internal TimeProvider Clock { get; set; } = TimeProvider.System;
    /// <summary>Where CAVRA_GO_* variables are read from, per request; tests substitute a dictionary.</summary>
    internal Func<string, string?> Environment { get; set; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with a one-line reason.</summary>
    public static ApiOptions Parse(string[] args)
    {
        var o = new ApiOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{option} needs a value");
            switch (option)
            {
                case "--address":
                    string a = Value();
                    o.Address = IPAddress.TryParse(a, out var ip) ? ip : throw new ArgumentException($"--address '{a}' is not an IP address");
                    break;
                case "--port":
                    string p = Value();
                    o.Port = int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 0 and <= 65535
                        ? port : throw new ArgumentException($"--port '{p}' is not a port number (0-65535)");
                    break;
                case "--settings":
                    string s = Value();
                    if (s.Length == 0) throw new ArgumentException("--settings needs a file name");
                    o.SettingsPath = Path.GetFullPath(s);
                    break;
                case "--allow-remote": o.AllowRemote = true; break;
                case "--exit-when-stdin-closes": o.ExitWhenStdinCloses = true; break;
                case "--help" or "-h" or "-?": o.Help = true; break;
                default: throw new ArgumentException($"unknown option '{option}'");
            }
        }
        if (!IPAddress.IsLoopback(o.Address) && !o.AllowRemote)
            throw new ArgumentException($"refusing to listen on {o.Address}: only loopback addresses are allowed without --allow-remote");
        return o;
    }
}
