# A real HTTP receiver on 127.0.0.1 (a free port) for the notification tests and the help examples: a raw TcpListener
# that can hang past the client's timeout or close the connection without answering. The xUnit tests use Kestrel
# (tests/Cavra.Gate.Tests/Support/LoopbackReceiver.cs) for the same faults; PowerShell cannot load Kestrel, hence this one. Each request gets the next planned answer (Set-CavraReceiverPlan), then the default; every request is
# recorded (method, path, headers, body) so tests can count attempts and search what went over the wire.

$source = @'
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CavraTest
{
    public sealed class ReceivedRequest
    {
        public string Method { get; set; } = "";
        public string Path { get; set; } = "";
        public string Headers { get; set; } = "";
        public string Body { get; set; } = "";
        public string Answer { get; set; } = "";
    }

    /// <summary>Answers: "200", "500" (any status code), "hang" (never answer; the client times out), "close" (read the
    /// request, then close the connection without a response).</summary>
    public sealed class LoopbackReceiver : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentQueue<string> _plan = new ConcurrentQueue<string>();
        private readonly List<ReceivedRequest> _requests = new List<ReceivedRequest>();

        public LoopbackReceiver()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            Task.Run(AcceptLoop);
        }

        public int Port { get; }
        public string Url => "http://127.0.0.1:" + Port + "/hook";
        public string DefaultAnswer { get; set; } = "200";

        public ReceivedRequest[] Requests { get { lock (_requests) return _requests.ToArray(); } }
        public int Count { get { lock (_requests) return _requests.Count; } }

        public void Plan(params string[] answers) { while (_plan.TryDequeue(out _)) { } foreach (var a in answers) _plan.Enqueue(a); }
        public void Clear() { lock (_requests) _requests.Clear(); }

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false); }
                catch { return; }
                _ = Task.Run(() => Serve(client));
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    var request = await ReadRequest(stream).ConfigureAwait(false);
                    if (request == null) return;
                    string answer = _plan.TryDequeue(out var planned) ? planned : DefaultAnswer;
                    request.Answer = answer;
                    lock (_requests) _requests.Add(request);
                    if (answer == "hang") { try { await Task.Delay(Timeout.Infinite, _stop.Token).ConfigureAwait(false); } catch (OperationCanceledException) { } return; }
                    if (answer == "close") { client.Client.LingerState = new LingerOption(true, 0); return; }
                    int status = int.Parse(answer);
                    byte[] body = Encoding.UTF8.GetBytes(status < 300 ? "{\"ok\": true}" : "{\"error\": \"planned failure\"}");
                    string head = "HTTP/1.1 " + status + " Planned\r\nContent-Type: application/json\r\nContent-Length: " + body.Length + "\r\nConnection: close\r\n\r\n";
                    byte[] headBytes = Encoding.ASCII.GetBytes(head);
                    await stream.WriteAsync(headBytes, 0, headBytes.Length).ConfigureAwait(false);
                    await stream.WriteAsync(body, 0, body.Length).ConfigureAwait(false);
                    await stream.FlushAsync().ConfigureAwait(false);
                }
                catch (Exception) { }
            }
        }

        private static async Task<ReceivedRequest> ReadRequest(NetworkStream stream)
        {
            var buffer = new List<byte>();
            var chunk = new byte[8192];
            int headerEnd = -1;
            while (headerEnd < 0)
            {
                int n = await stream.ReadAsync(chunk, 0, chunk.Length).ConfigureAwait(false);
                if (n == 0) return null;
                for (int i = 0; i < n; i++) buffer.Add(chunk[i]);
                headerEnd = IndexOf(buffer, "\r\n\r\n");
            }
            string head = Encoding.ASCII.GetString(buffer.GetRange(0, headerEnd).ToArray());
            var lines = head.Split(new[] { "\r\n" }, StringSplitOptions.None);
            var first = lines[0].Split(' ');
            int length = 0;
            foreach (var line in lines)
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line.Substring(15).Trim());
            var body = buffer.GetRange(headerEnd + 4, buffer.Count - headerEnd - 4);
            while (body.Count < length)
            {
                int n = await stream.ReadAsync(chunk, 0, chunk.Length).ConfigureAwait(false);
                if (n == 0) break;
                for (int i = 0; i < n; i++) body.Add(chunk[i]);
            }
            return new ReceivedRequest
            {
                Method = first[0], Path = first.Length > 1 ? first[1] : "", Headers = string.Join("\n", lines, 1, lines.Length - 1),
                Body = Encoding.UTF8.GetString(body.ToArray()),
            };
        }

        private static int IndexOf(List<byte> data, string marker)
        {
            for (int i = 0; i + marker.Length <= data.Count; i++)
            {
                int j = 0;
                while (j < marker.Length && data[i + j] == marker[j]) j++;
                if (j == marker.Length) return i;
            }
            return -1;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
'@
if (-not ('CavraTest.LoopbackReceiver' -as [type])) { Add-Type -TypeDefinition $source -Language CSharp }

function Start-CavraLoopbackReceiver {
    <# A receiver on 127.0.0.1 with a free port; its Url is http://127.0.0.1:<port>/hook. Dispose() stops it. #>
    param([string] $DefaultAnswer = '200')
    $r = [CavraTest.LoopbackReceiver]::new()
    $r.DefaultAnswer = $DefaultAnswer
    $r
}

function Get-CavraClosedLoopbackUrl {
    <# A loopback URL on which nothing listens (a port taken and released): connecting is refused. #>
    $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $l.Start(); $port = $l.LocalEndpoint.Port; $l.Stop()
    "http://127.0.0.1:$port/hook"
}

Export-ModuleMember -Function Start-CavraLoopbackReceiver, Get-CavraClosedLoopbackUrl
