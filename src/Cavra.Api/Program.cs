using Cavra.Api;
using Microsoft.Extensions.Hosting;

// Exit codes: 0 stopped normally, 1 could not listen (address in use, permission), 2 bad command line or settings file.
ApiOptions options;
try { options = ApiOptions.Parse(args); }
catch (ArgumentException ex)
{
    Console.Error.WriteLine("Cavra.Api: " + ex.Message);
    Console.Error.WriteLine(ApiOptions.Usage);
    return 2;
}
if (options.Help)
{
    Console.Out.WriteLine(ApiOptions.Usage);
    return 0;
}

// A settings file that cannot be used is reported now, not as a 500 on the first request.
try { ApiSettings.Resolve(options.SettingsPath, options.Environment); }
catch (SettingsException ex)
{
    Console.Error.WriteLine("Cavra.Api: " + ex.Message);
    return 2;
}

var app = ReadinessApi.Build(options);
try { await app.StartAsync(); }
catch (IOException ex)
{
    Console.Error.WriteLine($"Cavra.Api: cannot listen on {options.Address}:{options.Port}: {ex.Message}");
    return 1;
}
catch (UnauthorizedAccessException ex)
{
    Console.Error.WriteLine($"Cavra.Api: cannot listen on {options.Address}:{options.Port}: {ex.Message}");
    return 1;
}
catch (System.Net.Sockets.SocketException ex)
{
    // e.g. an address this host cannot bind (an IPv4-mapped IPv6 address such as ::ffff:127.0.0.1): still "cannot listen",
    // never an unhandled exception with a stack trace.
    Console.Error.WriteLine($"Cavra.Api: cannot listen on {options.Address}:{options.Port}: {ex.Message}");
    return 1;
}

// The first line names the bound address (with the real port when --port 0); Start-CavraReadinessApi reads it.
Console.Out.WriteLine($"Cavra readiness API listening on {string.Join(" ", app.Urls)}");

if (options.ExitWhenStdinCloses)
{
    var lifetime = app.Lifetime;
    new Thread(() =>
    {
        try
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (stdin.Read(buffer, 0, buffer.Length) > 0) { }
        }
        catch (IOException) { }
        lifetime.StopApplication();
    }) { IsBackground = true, Name = "stdin lifeline" }.Start();
}

await app.WaitForShutdownAsync();
return 0;
