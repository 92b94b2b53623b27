using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Cavra.Gate.Notifications
{
    /// <summary>What one <see cref="ConnectorClient.SendAsync"/> did: every attempt, and whether one was answered 2xx.</summary>
    public sealed class ConnectorSendResult
    {
        internal ConnectorSendResult(IReadOnlyList<DeliveryAttempt> attempts, bool success, DateTimeOffset? deliveredAt, string error)
        { Attempts = attempts; Success = success; DeliveredAt = deliveredAt; Error = error; }

        public IReadOnlyList<DeliveryAttempt> Attempts { get; }
        public bool Success { get; }
        public DateTimeOffset? DeliveredAt { get; }
        /// <summary>"" on success; else the last attempt's error class, the attempt count and the display URL (never a secret).</summary>
        public string Error { get; }
    }

    /// <summary>
    /// POSTs one payload to one connector over HTTP (docs/design/notifications.md §5). One <see cref="HttpClient"/> per
    /// send, disposed after it. Up to 1 + <see cref="Connector.Retries"/> attempts, one straight after another (a longer
    /// outage is what approval-bound live retries are for, §7); each attempt is bounded by the connector's timeout,
    /// measured on the injected <see cref="TimeProvider"/> (the one clock). A 2xx answer succeeds; a 5xx, 408 or 429
    /// answer, a timeout or a dropped connection is retried; any other answer (3xx: redirects are not followed, so a
    /// header is never sent to another host; 4xx) ends the delivery. Each attempt records its status and an error class:
    /// <c>http_&lt;status&gt;</c>, <c>timeout</c>, <c>connection_refused</c>, <c>connection_closed</c>,
    /// <c>name_resolution</c>, <c>tls</c> or <c>connection_error</c>. No exception text of the HTTP stack is kept: it can
    /// name the URL (§11).
    /// </summary>
    public sealed class ConnectorClient
    {
        private static readonly MediaTypeHeaderValue Json = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        private readonly TimeProvider _clock;
        private readonly Func<HttpMessageHandler>? _handlerFactory;

        /// <param name="handlerFactory">Makes the handler of each send's client; by default an <see cref="HttpClientHandler"/>
        /// that does not follow redirects and uses the system proxy except for a loopback URL (no proxy can reach this
        /// machine's loopback).</param>
        public ConnectorClient(TimeProvider clock, Func<HttpMessageHandler>? handlerFactory = null)
        {
            _clock = clock ?? throw new ArgumentNullException(nameof(clock));
            _handlerFactory = handlerFactory;
        }

        public TimeProvider Clock => _clock;

        /// <summary>Delivers <paramref name="payload"/> (JSON text) to <paramref name="connector"/>.</summary>
        /// <exception cref="ArgumentException">The connector is not usable (see <see cref="Connector.Valid"/>).</exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled (the caller stopped; nothing is recorded).</exception>
        public async Task<ConnectorSendResult> SendAsync(Connector connector, string payload, CancellationToken cancel = default)
        {
            if (connector == null) throw new ArgumentNullException(nameof(connector));
            if (!connector.Valid || connector.RequestUri == null) throw new ArgumentException(connector.Message, nameof(connector));
            byte[] body = new UTF8Encoding(false).GetBytes(payload ?? "");
            var attempts = new List<DeliveryAttempt>();
            string lastError = "";
            using (var client = new HttpClient(_handlerFactory?.Invoke() ?? DefaultHandler(connector.RequestUri), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan })
            {
                for (int number = 1; number <= connector.MaxAttempts; number++)
                {
                    var startedAt = _clock.GetUtcNow();
                    long started = _clock.GetTimestamp();
                    var (status, error) = await AttemptAsync(client, connector, body, cancel).ConfigureAwait(false);
                    long ms = (long)Math.Round(_clock.GetElapsedTime(started).TotalMilliseconds);
                    attempts.Add(new DeliveryAttempt(number, status, error, startedAt, Math.Max(0, ms)));
                    if (error.Length == 0) return new ConnectorSendResult(attempts, true, _clock.GetUtcNow(), "");
                    lastError = error;
                    if (!Retryable(status, error)) break;
                }
            }
            string timeout = lastError == "timeout" ? $" (timeout {connector.TimeoutSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s)" : "";
            return new ConnectorSendResult(attempts, false, null,
                $"{lastError}{timeout} after {attempts.Count} attempt{(attempts.Count == 1 ? "" : "s")} to {connector.Provider} at {connector.DisplayUrl}");
        }

        private static HttpClientHandler DefaultHandler(Uri uri) => new HttpClientHandler { AllowAutoRedirect = false, UseProxy = !uri.IsLoopback };

        /// <summary>Synchronous <see cref="SendAsync"/> for the cmdlets (no synchronization context to deadlock on).</summary>
        public ConnectorSendResult Send(Connector connector, string payload, CancellationToken cancel = default) =>
            SendAsync(connector, payload, cancel).GetAwaiter().GetResult();

        private async Task<(int? Status, string Error)> AttemptAsync(HttpClient client, Connector connector, byte[] body, CancellationToken cancel)
        {
            using (var timeout = _clock.CreateCancellationTokenSource(connector.Timeout))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancel))
            using (var request = new HttpRequestMessage(HttpMethod.Post, connector.RequestUri))
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = Json;
                request.Headers.Accept.ParseAdd("application/json");
                foreach (var h in connector.Headers)
                    if (h.Value != null) request.Headers.TryAddWithoutValidation(h.Name, h.Value);
                try
                {
                    using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false))
                    {
                        int status = (int)response.StatusCode;
                        return (status, status >= 200 && status <= 299 ? "" : "http_" + status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
                catch (Exception ex) when (cancel.IsCancellationRequested && ex is OperationCanceledException) { throw; }
                catch (Exception ex) when (timeout.IsCancellationRequested && (ex is OperationCanceledException || ex is HttpRequestException || ex is IOException))
                {
                    return (null, "timeout");
                }
                catch (Exception ex) when (ex is HttpRequestException || ex is IOException || ex is SocketException || ex is AuthenticationException
                    || ex is OperationCanceledException)
                {
                    return (null, Classify(ex));
                }
            }
        }

        /// <summary>The error class of a failed exchange, from the exception chain's types and socket codes, never its text.</summary>
        internal static string Classify(Exception ex)
        {
            for (var e = ex; e != null; e = e.InnerException)
            {
                if (e is AuthenticationException) return "tls";
                if (e is SocketException s)
                {
                    switch (s.SocketErrorCode)
                    {
                        case SocketError.ConnectionRefused: return "connection_refused";
                        case SocketError.HostNotFound: case SocketError.NoData: case SocketError.TryAgain: return "name_resolution";
                        case SocketError.ConnectionReset: case SocketError.ConnectionAborted: case SocketError.Shutdown: return "connection_closed";
                        default: return "connection_error";
                    }
                }
            }
            // "The response ended prematurely" and a reset while reading arrive as IOException inside HttpRequestException.
            for (var e = ex; e != null; e = e.InnerException)
                if (e is IOException) return "connection_closed";
            return "connection_error";
        }

        private static bool Retryable(int? status, string error)
        {
            if (status.HasValue) return status.Value >= 500 || status.Value == 408 || status.Value == 429;
            return error != "tls"; // a certificate problem does not heal between attempts
        }
    }
}
