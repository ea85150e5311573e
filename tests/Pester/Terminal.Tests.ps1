#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The long-running cmdlets at an interactive pwsh in a real terminal (tmux), as a person uses them:
    every row shows the moment it is emitted (fixed-width views), and Ctrl+C - a real SIGINT from the
    terminal - stops each of them within 2 s of the key press, with a summary of what was done.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Support/TestSupport.psm1') -Force
    $script:importLine = Get-ImportLine
    # Within 2 s of the key press, measured on the screen (polled every 50 ms).
    $script:stopLimit = [timespan]::FromSeconds(2)

    function script:Start-Session([string] $Directory) {
        $session = Start-TerminalSession -WorkingDirectory $Directory
        $session.Type("$importLine; `$env:OPENMSISTREAM_HOME = '$((Use-OwnHome) -replace "'", "''")'; Start-MsiLocalBroker -Partitions 4 | Out-Null; 'ready'")
        $session.WaitFor('(?m)^ready\s*$', 60) | Out-Null
        $session
    }

    function script:Assert-StoppedInTime($Session, [string] $Summary) {
        $pressed = $Session.Interrupt()
        $seen = $Session.WaitFor($Summary, 30)
        ($seen - $pressed) | Should -BeLessOrEqual $stopLimit -Because "Ctrl+C must stop the command within 2 s (the summary appeared after $(($seen - $pressed).TotalSeconds) s)"
        $Session.WaitFor('PS [^\n]*>$', 10) | Out-Null # the prompt is back
    }
}

Describe 'At an interactive pwsh in a terminal' {
    BeforeEach {
        $directory = New-TestDirectory 'terminal'
        $session = $null
    }

    AfterEach {
        if ($session) { $session.Close() }
    }

    It 'Start-MsiUploadDirectory shows its first row at once, and Ctrl+C stops it within 2 s with a summary' {
        New-Item -ItemType Directory (Join-Path $directory 'watch') | Out-Null
        Set-Content -LiteralPath (Join-Path $directory 'watch/first.txt') -Value 'hello' -NoNewline
        $session = Start-Session $directory
        $session.Type('Start-MsiUploadDirectory -Path ./watch -Topic up -UploadExisting -SettleTime 1')
        # One file only: before fixed-width views the formatter held this row back until a second object came.
        $session.WaitFor('(?m)^first\.txt\s+5\s+1\s+up\s+\d+\s+[0-9a-f]{16}', 60) | Out-Null
        Assert-StoppedInTime $session 'WARNING: Stopped: 1 file\(s\) sent \(5 B\), 0 error\(s\)\. Files in flight were recorded'
    }

    It 'Receive-MsiDataFile shows the files received, and Ctrl+C stops it within 2 s with a summary' {
        New-TestFile (Join-Path $directory 'data/a.bin') 1000 1 | Out-Null
        New-TestFile (Join-Path $directory 'data/b.bin') 2000 2 | Out-Null
        $session = Start-Session $directory
        $session.Type('Get-ChildItem ./data -File | Send-MsiDataFile -Topic rx | Out-Null; Receive-MsiDataFile -Topic rx -OutputDirectory ./copy')
        $session.WaitFor('(?ms)^a\.bin\s+1000\s+1 .*^b\.bin\s+2000\s+1 |(?ms)^b\.bin\s+2000\s+1 .*^a\.bin\s+1000\s+1 ', 60) | Out-Null
        Assert-StoppedInTime $session 'WARNING: Stopped: 2 file\(s\) received, 2 messages read; offsets of finished files committed\. No file was left incomplete\.'
        Get-Sha512 (Join-Path $directory 'copy/a.bin') | Should -Be (Get-Sha512 (Join-Path $directory 'data/a.bin'))
    }

    It 'Invoke-MsiStreamProcessor shows each processed file, and Ctrl+C stops it within 2 s with a summary' {
        New-TestFile (Join-Path $directory 'data/a.bin') 100 1 | Out-Null
        $session = Start-Session $directory
        $session.Type('Send-MsiDataFile ./data/a.bin -Topic px | Out-Null; Invoke-MsiStreamProcessor -Topic px -ScriptBlock { param($File) $File.Length }')
        $session.WaitFor('(?m)^a\.bin\s+Processed\s+1 ', 60) | Out-Null
        Assert-StoppedInTime $session 'WARNING: Stopped: 1 processed, 0 failed, 0 skipped \(handled in an earlier run\)\.'
    }

    It 'Start-MsiS3Transfer shows each copied file, and Ctrl+C stops it within 2 s with a summary' {
        $s3 = Start-S3Server -Bucket lab-archive
        try {
            New-TestFile (Join-Path $directory 'data/a.bin') 100 1 | Out-Null
            $session = Start-Session $directory
            $session.Type("New-Item -ItemType File ./s3.config -Value ""[broker]``nbootstrap.servers = `$((Get-MsiLocalBroker).BootstrapServers)``n[s3]``naccess_key_id = S3RVER``nsecret_key_id = S3RVER``nendpoint_url = $($s3.Endpoint)``nregion = us-east-1"" | Out-Null; Send-MsiDataFile ./data/a.bin -Topic s3x | Out-Null; Start-MsiS3Transfer -Topic s3x -Bucket lab-archive -Config ./s3.config")
            $session.WaitFor('(?m)^a\.bin\s+Uploaded\s+100\s+\d+\s+s3://lab-archive/s3x/a\.bin', 60) | Out-Null
            Assert-StoppedInTime $session 'WARNING: Stopped: 1 processed, 0 failed, 0 skipped \(handled in an earlier run\)\.'
        }
        finally {
            Stop-S3Server $s3
        }
    }

    It 'Receive-MsiHeartbeat shows heartbeats, and Ctrl+C stops it within 2 s with a summary' {
        $session = Start-Session $directory
        $session.Type('Receive-MsiDataFile -Topic hbdata -IdleTimeout 1 -HeartbeatTopic hb -ProgramId lab-pc | Out-Null; Receive-MsiHeartbeat hb')
        $session.WaitFor('(?ms)^lab-pc\s.*^lab-pc\s', 60) | Out-Null
        Assert-StoppedInTime $session 'WARNING: Stopped: 2 heartbeat\(s\) read\.'
    }

    It 'Send-MsiDataFile shows files as they are acknowledged, and Ctrl+C stops it within 2 s naming the file not sent' {
        Set-Content -LiteralPath (Join-Path $directory 'small.txt') -Value 'small' -NoNewline
        # Sparse: 2 GiB on disk in no time; hashing and sending it take longer than the test waits.
        $big = [IO.File]::Create((Join-Path $directory 'big.raw'))
        $big.SetLength(2GB)
        $big.Dispose()
        $session = Start-Session $directory
        $session.Type('Send-MsiDataFile -Path ./small.txt, ./big.raw -Topic sx')
        $session.WaitFor('(?m)^small\.txt\s+5\s+1\s+sx\s', 60) | Out-Null
        Assert-StoppedInTime $session "WARNING: Stopped: 1 of 2 files sent; not sent completely, send again: '[^']*big\.raw'\."
    }
}
