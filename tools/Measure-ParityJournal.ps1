<#
.SYNOPSIS
    Prints what the shadow journal costs and how fast it is read: N daemon-shadowed actions with and without
    -JournalPath (side by side, alternating, in one run), bytes per journal line, and Measure-CavraGoParity over a
    generated journal of about -JournalMB megabytes (MB/s, lines/s, peak working set of the measuring process).
.DESCRIPTION
    The generated journal repeats the lines of the timed run, re-chained (each line's prev is the SHA-256 of the line
    before), so it verifies like a real one. It is measured in a fresh pwsh so the peak working set is the reader's own.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $RuntimePath,
    [Parameter(Mandatory)] [string] $PolicyPath,
    [int] $Count = 5000,
    [int] $Rounds = 3,
    [int] $JournalMB = 200,
    [string] $WorkDirectory = (Join-Path ([IO.Path]::GetTempPath()) "cavra-parity-bench-$PID")
)
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest
New-Item -ItemType Directory -Force -Path $WorkDirectory | Out-Null
try {
    $actions = 1..$Count | ForEach-Object {
        [pscustomobject]@{ action_type = 'execute_command'; target = $(if ($_ % 2) { "custom scan --check $_" } else { "dangerous mutate --apply $_" }) }
    }
    $shadow = @{ Mode = 'Shadow'; Transport = 'Daemon'; RuntimePath = $RuntimePath; PolicyPath = $PolicyPath; ProgressAction = 'SilentlyContinue' }
    $daemon = Start-CavraGoRuntimeDaemon -RuntimePath $RuntimePath -PolicyPath $PolicyPath
    try {
        $null = $actions | Invoke-CavraGoPilotEvaluate @shadow   # warm-up: JIT and the daemon's first requests
        $without = [Collections.Generic.List[double]]::new(); $with = [Collections.Generic.List[double]]::new()
        for ($round = 1; $round -le $Rounds; $round++) {
            [GC]::Collect()
            $sw = [Diagnostics.Stopwatch]::StartNew(); $null = $actions | Invoke-CavraGoPilotEvaluate @shadow; $sw.Stop()
            $without.Add($sw.Elapsed.TotalMilliseconds)
            $journal = Join-Path $WorkDirectory "shadow-$round.jsonl"
            [GC]::Collect()
            $sw = [Diagnostics.Stopwatch]::StartNew(); $null = $actions | Invoke-CavraGoPilotEvaluate @shadow -JournalPath $journal; $sw.Stop()
            $with.Add($sw.Elapsed.TotalMilliseconds)
        }
    }
    finally { $daemon | Stop-CavraGoRuntimeDaemon }
    $median = { param($list) $s = @($list | Sort-Object); $s[[int][Math]::Floor($s.Count / 2)] }
    $w0 = & $median $without; $w1 = & $median $with
    $lines = [IO.File]::ReadAllLines($journal)
    $entryBytes = ((Get-Item $journal).Length - [Text.Encoding]::UTF8.GetByteCount($lines[0]) - 1) / ($lines.Count - 1)
    $load = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' } else { 'n/a' }
    "Shadow journal cost, $Count daemon-shadowed actions, $([Environment]::ProcessorCount) cores, load average $load, median of $Rounds alternating rounds:"
    '  shadow without journal {0,9:N0} ms   with journal {1,9:N0} ms   ratio {2:N2}x (target <= 1.2x)' -f $w0, $w1, ($w1 / $w0)
    '  bytes per journal line {0:N0} (target <= 1,024)' -f $entryBytes

    # A journal of about $JournalMB MB: the run's entry lines, repeated and re-chained.
    $big = Join-Path $WorkDirectory 'big.jsonl'
    $bodies = $lines | Select-Object -Skip 1 | ForEach-Object { $_.Substring($_.IndexOf('",') + 2) }
    $sha = [Security.Cryptography.SHA256]::Create()
    $utf8 = [Text.UTF8Encoding]::new($false)
    $stream = [IO.FileStream]::new($big, 'Create', 'Write', 'None', 1MB)
    try {
        $header = $utf8.GetBytes($lines[0])
        $stream.Write($header, 0, $header.Length); $stream.WriteByte(10)
        $prev = [Convert]::ToHexStringLower($sha.ComputeHash($header))
        $target = [long] $JournalMB * 1MB; $written = 0L; $n = 0
        while ($stream.Length -lt $target) {
            $bytes = $utf8.GetBytes('{"prev":"' + $prev + '",' + $bodies[$n % $bodies.Count])
            $stream.Write($bytes, 0, $bytes.Length); $stream.WriteByte(10)
            $prev = [Convert]::ToHexStringLower($sha.ComputeHash($bytes))
            $n++
        }
    }
    finally { $stream.Dispose() }
    $size = (Get-Item $big).Length

    $probe = {
        param($Manifest, $Path)
        Import-Module $Manifest
        $p = [Diagnostics.Process]::GetCurrentProcess(); $p.Refresh(); $before = $p.PeakWorkingSet64
        # Twice: the first run includes compiling the reader (tiered JIT); the second is the steady state.
        $runs = foreach ($run in 1, 2) {
            $p.Refresh(); $cpu = $p.TotalProcessorTime
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $report = Measure-CavraGoParity -LiteralPath $Path -MinimumSampleSize 0
            $sw.Stop(); $p.Refresh()
            @{ Ms = $sw.Elapsed.TotalMilliseconds; CpuMs = ($p.TotalProcessorTime - $cpu).TotalMilliseconds }
        }
        [pscustomobject]@{ Runs = $runs; Before = $before; Peak = $p.PeakWorkingSet64; Entries = $report.Evaluations; Valid = $report.Journals[0].ChainValid } | ConvertTo-Json -Compress -Depth 3
    }
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes("& { $probe } '$ModuleManifest' '$big'"))
    $result = (& dotnet pwsh -NoProfile -NonInteractive -EncodedCommand $encoded) | Select-Object -Last 1 | ConvertFrom-Json
    "Journal read (Measure-CavraGoParity, one thread), generated journal of {0:N1} MB, {1:N0} lines, chain valid: {2} (target >= 100 MB/s):" -f ($size / 1MB), ($result.Entries + 1), $result.Valid
    $label = 'first run', 'second run'
    for ($i = 0; $i -lt 2; $i++) {
        $r = $result.Runs[$i]
        '  {0,-10} {1,7:N0} ms wall {2,7:N0} MB/s {3,9:N0} lines/s   {4,7:N0} ms CPU {5,7:N0} MB/s of CPU' -f $label[$i], $r.Ms, ($size / 1MB / ($r.Ms / 1000)),
            (($result.Entries + 1) / ($r.Ms / 1000)), $r.CpuMs, ($size / 1MB / ($r.CpuMs / 1000))
    }
    '  peak working set {0:N0} MB (after Import-Module: {1:N0} MB)' -f ($result.Peak / 1MB), ($result.Before / 1MB)
}
finally {
    Remove-Item -Recurse -Force $WorkDirectory -ErrorAction SilentlyContinue
}
