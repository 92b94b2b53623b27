using System.Diagnostics;
using System.Text;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;

// cavra-runtime one-shot protocol: [--policy P] [--registry R], one JSON request on stdin, a Decision on stdout.
// CAVRA_STANDIN_BEHAVIOR picks a misbehaviour; CAVRA_STANDIN_LOG appends each request received (one line each).
string behavior = Environment.GetEnvironmentVariable("CAVRA_STANDIN_BEHAVIOR") ?? "normal";
string? policyPath = null, registryPath = null;
for (int i = 0; i < args.Length; i++)
{
    string a = args[i].TrimStart('-');
    string? inline = null;
    int eq = a.IndexOf('=');
    if (eq >= 0) { inline = a[(eq + 1)..]; a = a[..eq]; }
    string Next() => inline ?? (i + 1 < args.Length ? args[++i] : throw new ArgumentException($"flag needs an argument: -{a}"));
    switch (a)
    {
        case "policy": policyPath = Next(); break;
        case "registry": registryPath = Next(); break;
        default: Console.Error.WriteLine($"flag provided but not defined: -{a}"); return 2;
    }
}

switch (behavior)
{
    case "sleep": Thread.Sleep(TimeSpan.FromMinutes(10)); return 0;
    case "sleep-with-child":
    {
        var child = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        child.Environment["CAVRA_STANDIN_BEHAVIOR"] = "sleep";
        using var p = Process.Start(child)!;
        var pidFile = Environment.GetEnvironmentVariable("CAVRA_STANDIN_PID_FILE");
        if (pidFile != null) File.WriteAllText(pidFile, $"{Environment.ProcessId}\n{p.Id}\n");
        Thread.Sleep(TimeSpan.FromMinutes(10));
        return 0;
    }
    case "crash": throw new InvalidOperationException("stand-in runtime crashed on request");
    case "exit-nonzero": Console.Error.WriteLine("open policy.json: no such file or directory"); return 3;
    case "garbage": Console.Out.Write("this is not json {"); return 0;
    case "array": Console.Out.Write("[]\n"); return 0;
    case "string": Console.Out.Write("\"x\"\n"); return 0;
    case "empty": return 0;
    case "invalid-utf8":
    {
        using var o = Console.OpenStandardOutput();
        o.Write(Encoding.UTF8.GetBytes("{\"decision\": \"allow\", \"reason\": \""));
        o.Write(new byte[] { 0xC3, 0x28 });
        o.Write(Encoding.UTF8.GetBytes("\"}\n"));
        return 0;
    }
    case "huge":
    {
        using var o = Console.OpenStandardOutput();
        var chunk = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
        o.Write("{\"pad\": \""u8);
        for (int k = 0; k < 80; k++) o.Write(chunk); // 5 MiB
        o.Write("\"}\n"u8);
        return 0;
    }
}

string input = "";
if (behavior != "ignore-stdin")
{
    using var stdin = Console.OpenStandardInput();
    using var ms = new MemoryStream();
    stdin.CopyTo(ms);
    input = Encoding.UTF8.GetString(ms.ToArray());
    var log = Environment.GetEnvironmentVariable("CAVRA_STANDIN_LOG");
    if (log != null) File.AppendAllText(log, Convert.ToBase64String(ms.ToArray()) + "\n");
}
if (behavior == "stderr-flood")
{
    using var e = Console.OpenStandardError();
    var chunk = Encoding.ASCII.GetBytes(new string('e', 64 * 1024));
    for (int k = 0; k < 80; k++) e.Write(chunk);
}

CompiledPolicy? policy = null;
TrustRegistry? registry = null;
var files = new InputFiles();
if (!string.IsNullOrEmpty(policyPath))
{
    var read = files.ReadObject(policyPath);
    if (!read.Valid || !CompiledPolicy.TryLoad(read.Payload, out policy, out var perr)) { Console.Error.WriteLine($"load policy {policyPath}: {(read.Valid ? "invalid policy" : read.Message)}"); return 1; }
}
if (!string.IsNullOrEmpty(registryPath))
{
    var read = files.ReadObject(registryPath);
    if (!read.Valid || !TrustRegistry.TryLoad(read.Payload, out registry, out _)) { Console.Error.WriteLine($"load registry {registryPath}: {read.Message}"); return 1; }
}

ActionRequest request;
if (behavior == "ignore-stdin") request = new ActionRequest { ActionType = "execute_command", Target = "terraform plan" };
else if (!StrictJsonParser.TryParse(input, out var json, out var err) || !ActionRequest.TryParse(json, out request, out _))
{
    Console.Error.WriteLine(err?.Message ?? "cannot decode request");
    return 1;
}

var decision = new DecisionEngine(policy, registry).Evaluate(request);
string text = decision.ToRuntimeJson();
if (behavior == "diverge")
{
    string flipped = decision.Verdict == Decision.Allow ? Decision.Block : Decision.Allow;
    text = text.Replace($"\"decision\": \"{decision.Verdict}\"", $"\"decision\": \"{flipped}\"");
}
Console.Out.Write(text + "\n");
return 0;
