using System;
using System.Diagnostics;
using System.Text;
using System.Threading;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// Sends requests to a <c>cavra-runtime --serve</c> daemon (decision-engine.md §3.3–3.6, §9): one request per
    /// connection, read to EOF, parse. Requests the daemon contract cannot carry faithfully (<see cref="DaemonContract.TryMap"/>:
    /// every MCP call, …) go through the one-shot client instead, so the transport never changes a decision. Replies are
    /// normalised to the one-shot decision shape (<see cref="DaemonContract.NormalizeReply"/>). Fails closed, never throws;
    /// reasons (after "go runtime failed: "):
    /// <list type="bullet">
    /// <item>daemon socket is missing: PATH · daemon refused the connection on PATH · daemon closed the connection without
    /// answering · daemon timed out after N seconds · stopped before the daemon answered · daemon connection failed: MESSAGE</item>
    /// <item>daemon reply exceeds 1 MiB · is not valid UTF-8 · is not valid JSON: MESSAGE · is not a JSON object</item>
    /// <item>from the daemon's owner: daemon could not start: … · daemon could not restart: … · daemon is not running (…); restart
    /// limit reached (N within S seconds) · daemon was stopped</item>
    /// </list>
    /// A socket failure is followed by what the owner knows, e.g. "(daemon exited with status 137)". Thread-safe: the
    /// pilot may issue several requests at once.
    /// </summary>
    public sealed class DaemonRuntimeClient : IGoRuntime, IGateInputsObserver
    {
        public const string Transport = "daemon";

        private readonly IDaemonEndpoint _endpoint;
        private readonly IGoRuntime _oneShot;

        public DaemonRuntimeClient(IDaemonEndpoint endpoint, IGoRuntime oneShot)
        {
            _endpoint = endpoint;
            _oneShot = oneShot;
        }

        public IDaemonEndpoint Endpoint => _endpoint;

        /// <summary>Raised (on the evaluating thread) when a request goes one-shot, with the reason.</summary>
        public event Action<ActionRequest, string>? RoutedOneShot;

        public GoRuntimeAnswer Evaluate(ActionRequest request, GateConfig config, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            GoRuntimeAnswer Fail(string reason) => GoRuntimeAnswer.Failed(reason, clock.Elapsed, Transport);

            if (!DaemonContract.TryMap(request, out var payload, out var notCarried))
            {
                try { RoutedOneShot?.Invoke(request, notCarried); } catch (Exception) { /* narration only */ }
                return _oneShot.Evaluate(request, config, cancellationToken);
            }
            if (!(config.TimeoutSeconds > 0) || double.IsInfinity(config.TimeoutSeconds)) return Fail("timeout_seconds must be a positive number");
            var timeout = TimeSpan.FromSeconds(config.TimeoutSeconds);
            string TimedOut() => $"daemon timed out after {PythonFloat.Repr(config.TimeoutSeconds)} seconds";

            if (!_endpoint.TryAcquire(timeout, cancellationToken, out var socketPath, out var failure)) return Fail(failure);
            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero) return Fail(TimedOut());

            var bytes = Encoding.UTF8.GetBytes(payload + "\n"); // no BOM; the Go client also ends the object with a newline
            var outcome = SocketExchange.Exchange(socketPath, bytes, remaining, cancellationToken, out var reply, out var overflowed, out var message);
            string reason;
            DaemonFailure health;
            switch (outcome)
            {
                case SocketExchange.Outcome.Answered:
                    if (RuntimeReply.TryParse(reply, overflowed, out var decision, out var problem))
                    {
                        _endpoint.OnAnswered();
                        return GoRuntimeAnswer.Answered(DaemonContract.NormalizeReply(decision!), clock.Elapsed, Transport);
                    }
                    reason = "daemon reply " + problem;
                    health = DaemonFailure.NoAnswer;
                    break;
                case SocketExchange.Outcome.Cancelled: return Fail("stopped before the daemon answered");
                case SocketExchange.Outcome.TimedOut: reason = TimedOut(); health = DaemonFailure.TimedOut; break;
                case SocketExchange.Outcome.Missing: reason = "daemon socket is missing: " + socketPath; health = DaemonFailure.Unreachable; break;
                case SocketExchange.Outcome.Refused: reason = "daemon refused the connection on " + socketPath; health = DaemonFailure.Unreachable; break;
                case SocketExchange.Outcome.ClosedWithoutAnswer: reason = "daemon closed the connection without answering"; health = DaemonFailure.NoAnswer; break;
                default: reason = "daemon connection failed: " + message; health = DaemonFailure.NoAnswer; break;
            }
            string known = _endpoint.OnFailure(health);
            if (known.Length > 0 && known != reason) reason += " (" + known + ")";
            return Fail(reason);
        }

        public void GateInputsRefreshed(GateConfig config, InputFiles files)
        {
            if (_endpoint is GoRuntimeDaemon daemon) daemon.InputsRefreshed(files);
            else if (_endpoint is IGateInputsObserver observer) observer.GateInputsRefreshed(config, files);
        }
    }
}
