using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Threading;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Starts the readiness HTTP API in a background process, waits until it answers, and returns it.</summary>
    [Cmdlet(VerbsLifecycle.Start, "CavraReadinessApi", SupportsShouldProcess = true)]
    [OutputType(typeof(ReadinessApiServer))]
    public sealed class StartCavraReadinessApiCommand : PSCmdlet
    {
        private static readonly List<Process> Owned = new List<Process>();
        private static bool _exitHookRegistered;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        [Parameter] [ValidateRange(0, 65535)] public int Port { get; set; } = 8000;
        [Parameter] [ValidateNotNullOrEmpty] public string Address { get; set; } = "127.0.0.1";
        /// <summary>Listen on a non-loopback address. Without it only loopback addresses are accepted.</summary>
        [Parameter] public SwitchParameter AllowRemote { get; set; }
        /// <summary>A JSON settings file (upstream snake_case configuration keys) re-read on every request; default: the CAVRA_GO_* environment.</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string SettingsPath { get; set; } = "";
        [Parameter] [ValidateRange(1, 300)] public int TimeoutSeconds { get; set; } = 30;

        protected override void EndProcessing()
        {
            if (!IPAddress.TryParse(Address, out var ip))
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException($"'{Address}' is not an IP address."), "InvalidAddress", ErrorCategory.InvalidArgument, Address));
            if (!IPAddress.IsLoopback(ip!) && !AllowRemote)
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException($"Refusing to listen on {Address}: only loopback addresses are allowed without -AllowRemote."), "RemoteAddressNotAllowed", ErrorCategory.SecurityError, Address));
            string host = ip!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
            var uri = new Uri($"http://{host}:{Port}/");
            if (!ShouldProcess(uri.ToString(), "Start the Cavra readiness API")) return;

            string api = Path.Combine(Path.GetDirectoryName(typeof(StartCavraReadinessApiCommand).Assembly.Location)!, "api", "Cavra.Api.dll");
            if (!File.Exists(api))
                ThrowTerminatingError(new ErrorRecord(new FileNotFoundException("The readiness API is not part of this module build: " + api), "ApiNotFound", ErrorCategory.ObjectNotFound, api));

            var args = new List<string> { "exec", api, "--address", ip.ToString(), "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (AllowRemote) args.Add("--allow-remote");
            if (MyInvocation.BoundParameters.ContainsKey(nameof(SettingsPath))) { args.Add("--settings"); args.Add(SessionState.Path.GetUnresolvedProviderPathFromPSPath(SettingsPath)); }

            var start = new ProcessStartInfo(DotnetHost())
            {
                UseShellExecute = false, CreateNoWindow = true, RedirectStandardOutput = true, RedirectStandardError = true,
                WorkingDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath,
                Arguments = string.Join(" ", args.ConvertAll(Quote)),
            };
            WriteVerbose($"{start.FileName} {start.Arguments}");
            var process = Process.Start(start)!;
            var stderr = new System.Text.StringBuilder();
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
            process.OutputDataReceived += (_, e) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            Own(process);

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow.AddSeconds(TimeoutSeconds);
            while (true)
            {
                if (process.HasExited)
                    ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"The readiness API exited with code {process.ExitCode}: {stderr.ToString().Trim()}"),
                        "ApiExited", ErrorCategory.InvalidResult, uri));
                try
                {
                    using var response = http.GetAsync(new Uri(uri, "healthz"), _stop.Token).GetAwaiter().GetResult();
                    if (response.IsSuccessStatusCode) break;
                }
                catch (Exception ex) when (ex is HttpRequestException || ex is System.Threading.Tasks.TaskCanceledException || ex is OperationCanceledException) { }
                if (_stop.IsCancellationRequested || DateTime.UtcNow > deadline)
                {
                    Kill(process);
                    ThrowTerminatingError(new ErrorRecord(new TimeoutException($"The readiness API did not answer on {uri} within {TimeoutSeconds} s."), "ApiStartTimeout", ErrorCategory.OperationTimeout, uri));
                }
                Thread.Sleep(100);
            }
            WriteObject(new ReadinessApiServer(uri, ip.ToString(), Port, process));
        }

        protected override void StopProcessing() => _stop.Cancel();

        internal static void Kill(Process process)
        {
            try { if (!process.HasExited) { process.Kill(); process.WaitForExit(10000); } } catch (InvalidOperationException) { }
            lock (Owned) Owned.Remove(process);
        }

        private static void Own(Process process)
        {
            lock (Owned)
            {
                Owned.Add(process);
                if (_exitHookRegistered) return;
                // Nothing started here outlives the session that started it.
                AppDomain.CurrentDomain.ProcessExit += (_, _) => { lock (Owned) foreach (var p in Owned.ToArray()) { try { p.Kill(); } catch (Exception) { } } };
                _exitHookRegistered = true;
            }
        }

        private static string DotnetHost()
        {
            string? fromEnv = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv)) return fromEnv!;
            string self = Process.GetCurrentProcess().MainModule?.FileName ?? "";
            if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
            return "dotnet";
        }

        private static string Quote(string arg) => arg.IndexOfAny(new[] { ' ', '"', '\t' }) < 0 ? arg : "\"" + arg.Replace("\"", "\\\"") + "\"";
    }
}
