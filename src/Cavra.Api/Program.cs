using Cavra.Api;
using Microsoft.Extensions.Hosting;

ApiOptions options;
try { options = ApiOptions.Parse(args); }
catch (ArgumentException ex)
{
    Console.Error.WriteLine("Cavra.Api: " + ex.Message);
    return 2;
}
var app = ReadinessApi.Build(options);
await app.StartAsync();
Console.Out.WriteLine($"Cavra readiness API listening on {string.Join(", ", app.Urls)}");
await app.WaitForShutdownAsync();
return 0;
