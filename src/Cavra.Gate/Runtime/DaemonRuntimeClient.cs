using System;
using System.Diagnostics;
using System.Text;
using System.Threading;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Serialization;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// Sends requests to a <c>cavra-runtime --serve</c> daemon (docs/design/runtime-protocol.md §3): one request per
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
    /// A socket failure is followed by what the owner knows, e.g. "(daemon exited with status 137)". Requests can be
    /// pipelined from one thread (<see cref="Start"/>); <see cref="Evaluate"/> may be called from several threads at once.
    /// </summary>
    public sealed class DaemonRuntimeClient : IPipelinedGoRuntime, IGateInputsObserver
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

        public GoRuntimeAnswer Evaluate(ActionRequest request, GateConfig config, CancellationToken cancellationToken) =>
            Start(request, config, cancellationToken).Finish();

        /// <summary>Connects and sends now; the answer is collected by the returned call (see <see cref="IPipelinedGoRuntime"/>).</summary>
        public IGoRuntimeCall Start(ActionRequest request, GateConfig config, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            if (!DaemonContract.TryMap(request, out var payload, out var notCarried))
            {
                try { RoutedOneShot?.Invoke(request, notCarried); } catch (Exception) { /* narration only */ }
                return new Done(_oneShot.Evaluate(request, config, cancellationToken));
            }
            string? refused = GateSettings.TimeoutSeconds.Refusal(config.TimeoutSeconds);
            if (refused != null) return new Done(GoRuntimeAnswer.Failed("timeout_seconds " + refused, clock.Elapsed, Transport));
            var timeout = TimeSpan.FromSeconds(config.TimeoutSeconds);
            if (!_endpoint.TryAcquire(timeout, cancellationToken, out var socketPath, out var failure))
                return new Done(GoRuntimeAnswer.Failed(failure, clock.Elapsed, Transport));
            var bytes = Encoding.UTF8.GetBytes(payload + "\n"); // no BOM; the Go client also ends the object with a newline
            var exchange = SocketExchange.Begin(socketPath, bytes, timeout - clock.Elapsed, cancellationToken);
            return new Call(this, exchange, socketPath, config.TimeoutSeconds, clock);
        }

        /// <summary>An answer known at start (one-shot route, or a failure before the socket).</summary>
        private sealed class Done : IGoRuntimeCall
        {
            private readonly GoRuntimeAnswer _answer;
            public Done(GoRuntimeAnswer answer) { _answer = answer; }
            public bool TryFinish(out GoRuntimeAnswer answer) { answer = _answer; return true; }
            public GoRuntimeAnswer Finish() => _answer;
        }

        private sealed class Call : IGoRuntimeCall, IDisposable
        {
            private readonly DaemonRuntimeClient _client;
            private readonly SocketExchange _exchange;
            private readonly string _socketPath;
            private readonly double _timeoutSeconds;
            private readonly Stopwatch _clock;
            private GoRuntimeAnswer? _answer;

            public Call(DaemonRuntimeClient client, SocketExchange exchange, string socketPath, double timeoutSeconds, Stopwatch clock)
            {
                _client = client; _exchange = exchange; _socketPath = socketPath; _timeoutSeconds = timeoutSeconds; _clock = clock;
            }

            public bool TryFinish(out GoRuntimeAnswer answer)
            {
                if (_answer == null && _exchange.TryFinish()) _answer = _client.Conclude(_exchange, _socketPath, _timeoutSeconds, _clock);
                answer = _answer!;
                return _answer != null;
            }

            public GoRuntimeAnswer Finish()
            {
                if (_answer != null) return _answer;
                _exchange.Finish();
                return _answer = _client.Conclude(_exchange, _socketPath, _timeoutSeconds, _clock);
            }

            /// <summary>Abandons the request (its record will not be written): closes the connection now.</summary>
            public void Dispose() => _exchange.Abandon();
        }

        private GoRuntimeAnswer Conclude(SocketExchange exchange, string socketPath, double timeoutSeconds, Stopwatch clock)
        {
            string reason;
            DaemonFailure health;
            switch (exchange.Result)
            {
                case SocketExchange.Outcome.Answered:
                    if (RuntimeReply.TryParse(exchange.Reply, exchange.Overflowed, out var decision, out var problem))
                    {
                        _endpoint.OnAnswered();
                        return GoRuntimeAnswer.Answered(DaemonContract.NormalizeReply(decision!), clock.Elapsed, Transport);
                    }
                    reason = "daemon reply " + problem;
                    health = DaemonFailure.NoAnswer;
                    break;
                case SocketExchange.Outcome.Cancelled: return GoRuntimeAnswer.Failed("stopped before the daemon answered", clock.Elapsed, Transport);
                case SocketExchange.Outcome.TimedOut: reason = $"daemon timed out after {PythonFloat.Repr(timeoutSeconds)} seconds"; health = DaemonFailure.TimedOut; break;
                case SocketExchange.Outcome.Missing: reason = "daemon socket is missing: " + socketPath; health = DaemonFailure.Unreachable; break;
                case SocketExchange.Outcome.Refused: reason = "daemon refused the connection on " + socketPath; health = DaemonFailure.Unreachable; break;
                case SocketExchange.Outcome.ClosedWithoutAnswer: reason = "daemon closed the connection without answering"; health = DaemonFailure.NoAnswer; break;
                default: reason = "daemon connection failed: " + exchange.Message; health = DaemonFailure.NoAnswer; break;
            }
            string known = _endpoint.OnFailure(health);
            if (known.Length > 0 && known != reason) reason += " (" + known + ")";
            return GoRuntimeAnswer.Failed(reason, clock.Elapsed, Transport);
        }

        public void GateInputsRefreshed(GateConfig config, InputFiles files)
        {
            if (_endpoint is GoRuntimeDaemon daemon) daemon.InputsRefreshed(files);
            else if (_endpoint is IGateInputsObserver observer) observer.GateInputsRefreshed(config, files);
        }
    }
}
