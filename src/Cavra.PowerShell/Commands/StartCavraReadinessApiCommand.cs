using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using Cavra.Gate.Runtime;

using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>
    /// Starts the readiness HTTP API (the module's Cavra.Api.dll, run by dotnet, so the module itself never loads ASP.NET) in a
    /// background process, waits until GET /healthz answers, and returns it. The API holds this session's end of a pipe
    /// on its standard input and stops when it closes, so it cannot outlive the session even if the session is killed.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "CavraReadinessApi", SupportsShouldProcess = true)]
    [OutputType(typeof(ReadinessApiServer))]
    public sealed class StartCavraReadinessApiCommand : PSCmdlet
    {
        private const string ListeningPrefix = "Cavra readiness API listening on ";
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <summary>The TCP port; 0 lets the system pick a free one (the returned object tells which).</summary>
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
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException($"Refusing to listen on {Address}: only loopback addresses are allowed without -AllowRemote."),
                    "RemoteAddressNotAllowed", ErrorCategory.SecurityError, Address));
            string host = ip!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
            string target = $"http://{host}:{Port.ToString(CultureInfo.InvariantCulture)}/";
            if (!ShouldProcess(target, "Start the Cavra readiness API")) return;

            string api = Path.Combine(Path.GetDirectoryName(typeof(StartCavraReadinessApiCommand).Assembly.Location)!, "Cavra.Api.dll");
            if (!File.Exists(api))
                ThrowTerminatingError(new ErrorRecord(new FileNotFoundException("The readiness API is not part of this module build: " + api), "ApiNotFound", ErrorCategory.ObjectNotFound, api));

            var args = new List<string> { "exec", api, "--address", ip.ToString(), "--port", Port.ToString(CultureInfo.InvariantCulture), "--exit-when-stdin-closes" };
            if (AllowRemote) args.Add("--allow-remote");
            if (MyInvocation.BoundParameters.ContainsKey(nameof(SettingsPath)))
            {
                string settings = FileSystemPaths.Resolve(this, SettingsPath);
                if (!File.Exists(settings))
                    ThrowTerminatingError(new ErrorRecord(new FileNotFoundException("The settings file does not exist: " + settings), "SettingsNotFound", ErrorCategory.ObjectNotFound, settings));
                args.Add("--settings");
                args.Add(settings);
            }

            var start = new ProcessStartInfo(DotnetHost())
            {
                UseShellExecute = false, CreateNoWindow = true,
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
                WorkingDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath,
            };
            ProcessArguments.Set(start, args);
            WriteVerbose($"{start.FileName} {ProcessArguments.Join(args)}");
            Process process;
            try { process = Process.Start(start)!; }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception || ex is InvalidOperationException)
            {
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"Cannot start '{start.FileName}': {ex.Message}", ex), "ApiStartFailed", ErrorCategory.ResourceUnavailable, start.FileName));
                return;
            }
            ReadinessApiServer.Own(process);

            var stderr = new StringBuilder();
            string? announced = null;
            var listening = new ManualResetEventSlim();
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data == null || announced != null || !e.Data.StartsWith(ListeningPrefix, StringComparison.Ordinal)) return;
                announced = e.Data.Substring(ListeningPrefix.Length).Split(' ')[0];
                listening.Set();
            };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();

            var uri = WaitUntilAnswering(process, listening, () => announced, stderr, target);
            WriteVerbose($"The readiness API answers on {uri} (process {process.Id}).");
            WriteObject(new ReadinessApiServer(uri, ip.ToString(), uri.Port, process));
        }

        protected override void StopProcessing() => _stop.Cancel();

        private Uri WaitUntilAnswering(Process process, ManualResetEventSlim listening, Func<string?> announced, StringBuilder stderr, string target)
        {
            var deadline = DateTime.UtcNow.AddSeconds(TimeoutSeconds);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            Uri? uri = null;
            while (true)
            {
                if (process.HasExited)
                {
                    process.WaitForExit(); // drains the asynchronous readers
                    string reason;
                    lock (stderr) reason = stderr.ToString().Trim();
                    ReadinessApiServer.Disown(process);
                    ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"The readiness API exited with code {process.ExitCode}: {reason}"),
                        "ApiExited", ErrorCategory.InvalidResult, target));
                }
                if (uri == null && listening.IsSet)
                    uri = new Uri(announced()!.TrimEnd('/') + "/");
                if (uri != null)
                {
                    try
                    {
                        using var response = http.GetAsync(new Uri(uri, "healthz"), _stop.Token).GetAwaiter().GetResult();
                        if (response.IsSuccessStatusCode) return uri;
                    }
                    catch (Exception ex) when (ex is HttpRequestException || ex is OperationCanceledException) { }
                }
                if (_stop.IsCancellationRequested || DateTime.UtcNow > deadline)
                {
                    ReadinessApiServer.Stop(process);
                    if (_stop.IsCancellationRequested) throw new PipelineStoppedException();
                    ThrowTerminatingError(new ErrorRecord(new TimeoutException($"The readiness API did not answer on {uri?.ToString() ?? target} within {TimeoutSeconds} s; it was stopped."),
                        "ApiStartTimeout", ErrorCategory.OperationTimeout, target));
                }
                if (uri == null) listening.Wait(100);
                else Thread.Sleep(50);
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
    }
}
