#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    What a new user hit in the first hour (issue 15), each as the user met it.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Support/TestSupport.psm1') -Force
    Import-ModuleUnderTest | Out-Null
    $script:broker = Start-MsiLocalBroker -Partitions 4 -ConfigPath (Join-Path (New-TestDirectory 'broker') 'local.config')
    $script:repoRoot = Get-TestRepoRoot
}

AfterAll {
    Stop-MsiLocalBroker -ErrorAction SilentlyContinue
}

Describe 'The first hour' {
    BeforeEach {
        Use-OwnHome | Out-Null
        $work = New-TestDirectory 'newuser'
    }

    It 'README "Try it in one session" runs as written, in an empty folder, and prints what the README shows' {
        $readme = Get-Content -Raw -LiteralPath (Join-Path $repoRoot 'README.md')
        $section = $readme.Substring($readme.IndexOf('### Try it in one session'))
        $code = [regex]::Match($section, '```powershell\n(?<code>.*?)```', 'Singleline').Groups['code'].Value
        $shown = [regex]::Match($section, '```text\n(?<text>.*?)```', 'Singleline').Groups['text'].Value
        $code | Should -Not -BeNullOrEmpty
        # A new pwsh in a terminal, in an empty folder: the reader types one line after another.
        $session = Start-TerminalSession -WorkingDirectory $work
        try {
            $session.Type((Get-ImportLine))
            $session.WaitFor('PS [^\n]*>$', 60) | Out-Null
            foreach ($line in $code -split "`n" | Where-Object { $_.Trim() }) {
                $prompts = $session.Count('(?m)^PS [^\n]*>')
                $session.Type($line)
                $deadline = [datetime]::UtcNow.AddSeconds(120)
                while ($session.Count('(?m)^PS [^\n]*>') -le $prompts -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            }
            $screen = $session.Screen()
        }
        finally {
            $session.Close()
        }
        # The checkout's and the test folder's paths are on screen too (the import line, prompts): a path
        # with "error" in it is not a problem the example had.
        $words = $screen.Replace($repoRoot, '<repo>').Replace($work, '<work>')
        $words | Should -Not -Match '(?m)^(WARNING|.*Exception|.*error)' -Because 'the example runs without a problem'
        # Every row the README shows is printed, up to the local paths in Location.
        $rows = @($shown -split "`n" | Where-Object { $_ -match '\S' -and $_ -notmatch '^(RelativePath|---)' })
        $rows.Count | Should -Be 6
        $printed = ($screen -replace [regex]::Escape((Join-Path $work 'copy') + '/'), '') -replace '[ \t]+', ' '
        foreach ($row in $rows) {
            $expected = (($row -replace '/home/lab/copy/', '') -replace '\s+', ' ').Trim()
            $printed | Should -Match ([regex]::Escape($expected)) -Because "the README shows the row '$row'"
        }
        foreach ($file in 'spectra/run 01.csv', 'raw/scan 0001.raw', 'empty.dat') {
            Get-Sha512 (Join-Path $work "copy/$file") | Should -Be (Get-Sha512 (Join-Path $work "data/$file"))
        }
    }

    It 'the embedded broker: a file larger than a partition keeps is sent with a warning, and the receiver warns with counts when it ends with the file incomplete' {
        $topic = New-TestTopic 'big'
        $big = New-TestFile (Join-Path $work 'big.bin') (12MB) 7
        $sent = Send-MsiDataFile -LiteralPath $big -Topic $topic -WarningVariable sendWarnings -WarningAction SilentlyContinue
        $sent.ChunkCount | Should -Be 24
        ($sendWarnings -join "`n") | Should -BeLike "*'big.bin' (12.0 MB) is larger than the 5.0 MB the embedded broker keeps per partition*receiver started afterwards gets incomplete files*"
        # Received afterwards: the broker dropped the first chunks, silently, as librdkafka's mock does.
        $received = Receive-MsiDataFile -Topic $topic -OutputDirectory (Join-Path $work 'copy') -Count 1 -IdleTimeout 5 -WarningVariable receiveWarnings -WarningAction SilentlyContinue
        $received | Should -BeNullOrEmpty
        ($receiveWarnings -join "`n") | Should -Match "1 file\(s\) incomplete: 'big\.bin' \(\d+ of 24 chunks\); 0 file\(s\) received\."
    }

    It 'the embedded broker: a second run in the same consumer group starts without the 45 s wait' {
        $topic = New-TestTopic 'group'
        Send-MsiDataFile -LiteralPath (New-TestFile (Join-Path $work 'one.bin') 10 1) -Topic $topic | Out-Null
        (Receive-MsiDataFile -Topic $topic -GroupId lab-archive -Count 1 -IdleTimeout 30).RelativePath | Should -Be 'one.bin'
        Send-MsiDataFile -LiteralPath (New-TestFile (Join-Path $work 'two.bin') 10 2) -Topic $topic | Out-Null
        $clock = [Diagnostics.Stopwatch]::StartNew()
        (Receive-MsiDataFile -Topic $topic -GroupId lab-archive -Count 1 -IdleTimeout 60).RelativePath | Should -Be 'two.bin'
        # librdkafka's default session timeout made this 45 s and more; the embedded broker's consumers use 6 s.
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30
    }

    It 'Invoke-MsiStreamProcessor says at once that it skips files processed in an earlier session, and where its record is' {
        $topic = New-TestTopic 'skip'
        $scan = New-TestFile (Join-Path $work 'scan.csv') 10 1
        Send-MsiDataFile -LiteralPath $scan -Topic $topic | Out-Null
        $first = Invoke-MsiStreamProcessor -Topic $topic -Count 1 -IdleTimeout 30 -ScriptBlock { param($File) $File.Length }
        $first.Status | Should -Be 'Processed'
        # The next session: a new embedded broker (its offsets are gone), the same data sent again, the
        # same processor - whose record of what it processed lives on in the user's home.
        Stop-MsiLocalBroker
        $script:broker = Start-MsiLocalBroker -Partitions 4 -ConfigPath (Join-Path (New-TestDirectory 'broker') 'local.config')
        Send-MsiDataFile -LiteralPath $scan -Topic $topic | Out-Null
        $again = Invoke-MsiStreamProcessor -Topic $topic -IdleTimeout 3 -ScriptBlock { param($File) $File.Length } -WarningVariable skipped -WarningAction SilentlyContinue
        $again | Should -BeNullOrEmpty
        $record = Join-Path $env:OPENMSISTREAM_HOME 'processors'
        ($skipped -join "`n") | Should -BeLike "*Skipping 'scan.csv' and every other file this processor handled in an earlier run*record in '$record*"
        ($skipped -join "`n") | Should -BeLike '*1 file(s) skipped: handled in an earlier run of this processor*'
    }

    It 'Send-MsiDataFile shows the hashing of a large file as progress' {
        $path = Join-Path $work 'large.raw'
        $file = [IO.File]::Create($path)
        $file.SetLength(1GB) # sparse; hashing it takes a second or more
        $file.Dispose()
        $job = Start-ThreadJob -ScriptBlock {
            param($Module, $Path, $Servers)
            Import-Module $Module
            Send-MsiDataFile -LiteralPath $Path -Topic large -BootstrapServers $Servers -WarningAction SilentlyContinue
        } -ArgumentList (Get-ModuleUnderTest), $path, $broker.BootstrapServers
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(120)
            while (-not ($job.Progress | Where-Object StatusDescription -Match ' hashed, ') -and [datetime]::UtcNow -lt $deadline -and $job.State -in 'NotStarted', 'Running') {
                Start-Sleep -Milliseconds 100
            }
            $hashing = $job.Progress | Where-Object StatusDescription -Match ' hashed, ' | Select-Object -First 1
            $hashing | Should -Not -BeNullOrEmpty -Because 'the whole file is read for its SHA-512 before the first chunk goes out'
            $hashing.StatusDescription | Should -Match '^0 of 1 files sent; [\d.]+ \w?B of 1\.0 GB hashed, [\d.]+ \w?B sent$'
        }
        finally {
            $job | Stop-Job -PassThru | Remove-Job -Force
        }
    }

    It 'Start-MsiUploadDirectory -Path of a file says it is a file, not that the directory does not exist' {
        $file = New-TestFile (Join-Path $work 'export.csv') 10
        { Start-MsiUploadDirectory -Path $file -Topic t -Duration 1 } | Should -Throw -ErrorId 'InvalidArgument,OpenMsiStream.PowerShell.Commands.StartMsiUploadDirectoryCommand' -ExpectedMessage "*'$file' is a file, not a directory*Send-MsiDataFile*"
    }

    It 'a permission error names the output directory the user gave, not an internal staging folder' {
        $output = Join-Path $work 'readonly'
        New-Item -ItemType Directory $output | Out-Null
        & chmod 555 $output
        # As root the permission bits do not apply: the child runs without the capabilities that bypass them.
        $prefix = if ((& id -u) -eq '0') { 'setpriv', '--bounding-set=-dac_override,-dac_read_search,-fowner' } else { @() }
        $command = @($prefix) + @(Get-PwshCommand) + @('-NoProfile', '-NonInteractive', '-Command',
            (Get-ImportLine) + "; try { Receive-MsiDataFile -Topic t -BootstrapServers $($broker.BootstrapServers) -OutputDirectory '$output' -IdleTimeout 1 } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }")
        $lines = & $command[0] @($command | Select-Object -Skip 1)
        & chmod 755 $output
        $lines[0] | Should -Be 'OutputWriteFailed,OpenMsiStream.PowerShell.Commands.ReceiveMsiDataFileCommand'
        $lines[1] | Should -BeLike "Cannot write in the output directory '$output': permission denied (it needs its staging folder for files in progress '$output/.openmsistream/staging/*')."
    }

    It 'Get-Help -Online opens the README section of the cmdlet' {
        $bin = New-TestDirectory 'bin'
        $opened = Join-Path $bin 'opened.txt'
        # What a desktop's xdg-open does, recorded: Get-Help -Online hands the address to it.
        Set-Content -LiteralPath (Join-Path $bin 'xdg-open') -Value "#!/bin/sh`nprintf '%s\n' `"`$1`" >> '$opened'"
        & chmod +x (Join-Path $bin 'xdg-open')
        $path = $env:PATH
        try {
            $env:PATH = $bin + [IO.Path]::PathSeparator + $env:PATH
            Get-Help Send-MsiDataFile -Online
            Get-Help Register-MsiService -Online
        }
        finally {
            $env:PATH = $path
        }
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        while (@(Get-Content -LiteralPath $opened -ErrorAction SilentlyContinue).Count -lt 2 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $projectUri = (Import-PowerShellDataFile (Get-ModuleUnderTest)).PrivateData.PSData.ProjectUri
        Get-Content -LiteralPath $opened | Should -Be @("$projectUri#send-msidatafile", "$projectUri#running-as-a-service")
    }

    It 'openmsistream quickstart shows each file as it goes and ends with next steps; --help shows the source directory as optional' {
        $cli = Get-TestCli
        $output = & $cli quickstart --output-directory (Join-Path $work 'received') 2>&1
        $LASTEXITCODE | Should -Be 0
        @($output | Where-Object { $_ -match '^  sent      ' }).Count | Should -Be 6
        @($output | Where-Object { $_ -match '^  received  .* \(SHA-512 verified\)  \[\d of 6\]$' }).Count | Should -Be 6
        ($output -join "`n") | Should -BeLike "*6 of 6 files sent, received and verified byte-identical*Next steps:*The verified copies are in $(Join-Path $work 'received')*"
        (& $cli --help) -match '^\s+quickstart ' | Should -Match '^\s+quickstart \[<source-directory>\]\s+Start the embedded broker'
    }
}
