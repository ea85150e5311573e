#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Every path parameter of every cmdlet resolves against the current PowerShell location, never
    against the directory the process started in. Each test makes them differ, as a scheduled script
    that calls Set-Location does: the process directory ([Environment]::CurrentDirectory) is A, and the
    PowerShell location is B.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Support/TestSupport.psm1') -Force
    Import-ModuleUnderTest | Out-Null
    $script:broker = Start-MsiLocalBroker -Partitions 4 -ConfigPath (Join-Path (New-TestDirectory 'broker') 'local.config')
    $script:processDirectory = [Environment]::CurrentDirectory
    $script:location = Get-Location

    # x.config in A points at a broker that does not exist; B has none (or its own, pointing at the real one).
    function script:Write-Config([string] $Path, [string] $Servers) {
        Set-Content -LiteralPath $Path -Value "[broker]`nbootstrap.servers = $Servers`n[consumer]`nsession.timeout.ms = 6000`nheartbeat.interval.ms = 1000"
    }
}

AfterAll {
    Stop-MsiLocalBroker -ErrorAction SilentlyContinue
}

Describe 'Relative paths resolve against the PowerShell location' {
    BeforeEach {
        Use-OwnHome | Out-Null
        $a = New-TestDirectory 'process-dir'
        $b = New-TestDirectory 'location'
        Write-Config (Join-Path $a 'x.config') '127.0.0.1:1'
        [Environment]::CurrentDirectory = $a
        Set-Location -LiteralPath $b
    }

    AfterEach {
        [Environment]::CurrentDirectory = $processDirectory
        Set-Location $location
    }

    It '<Cmdlet> -Config ./x.config reports ConfigFileNotFound naming the file in the location, not the process directory' -TestCases @(
        @{ Cmdlet = 'Test-MsiConnection'; Call = { Test-MsiConnection -Config ./x.config -Timeout 2 } }
        @{ Cmdlet = 'Send-MsiDataFile'; Call = { Send-MsiDataFile -LiteralPath (New-TestFile (Join-Path $b 'f.bin') 10) -Topic p -Config ./x.config } }
        @{ Cmdlet = 'Receive-MsiDataFile'; Call = { Receive-MsiDataFile -Topic p -Config ./x.config -IdleTimeout 1 } }
        @{ Cmdlet = 'Start-MsiUploadDirectory'; Call = { Start-MsiUploadDirectory -Path $b -Topic p -Config ./x.config -Duration 1 } }
        @{ Cmdlet = 'Invoke-MsiStreamProcessor'; Call = { Invoke-MsiStreamProcessor -Topic p -Config ./x.config -IdleTimeout 1 -ScriptBlock { } } }
        @{ Cmdlet = 'Start-MsiS3Transfer'; Call = { Start-MsiS3Transfer -Topic p -Bucket lab-archive -Config ./x.config -IdleTimeout 1 } }
        @{ Cmdlet = 'Receive-MsiHeartbeat'; Call = { Receive-MsiHeartbeat -Topic p -Config ./x.config -IdleTimeout 1 } }
        @{ Cmdlet = 'Send-MsiUndecryptableMessage'; Call = {
                New-Item -ItemType Directory (Join-Path $b 'ENCRYPTED_MESSAGES') | Out-Null
                [IO.File]::WriteAllBytes((Join-Path $b 'ENCRYPTED_MESSAGES/encrypted_message_from_p_received_on_Dec_07_2026_at_06_00_00_000000_key.bin'), [byte[]](1, 2))
                [IO.File]::WriteAllBytes((Join-Path $b 'ENCRYPTED_MESSAGES/encrypted_message_from_p_received_on_Dec_07_2026_at_06_00_00_000000_value.bin'), [byte[]](3, 4))
                Send-MsiUndecryptableMessage -Path . -Config ./x.config } }
    ) {
        $failure = $null
        try {
            $report = & $Call
            $failure = if ($report -and $report.PSObject.Properties['ErrorId']) { $report } else { $null }
        }
        catch {
            $failure = $_
        }
        $failure | Should -Not -BeNullOrEmpty -Because 'the config file is not in the current location'
        $id = if ($failure -is [System.Management.Automation.ErrorRecord]) { $failure.FullyQualifiedErrorId.Split(',')[0] } else { $failure.ErrorId }
        $message = if ($failure -is [System.Management.Automation.ErrorRecord]) { $failure.Exception.Message } else { $failure.Message }
        $id | Should -Be 'ConfigFileNotFound'
        $message | Should -BeLike "*$(Join-Path $b 'x.config')*"
        $message | Should -Not -BeLike "*$(Join-Path $a 'x.config')*"
    }

    It 'Test-MsiConnection -Config ./x.config uses the file in the location when both have one' {
        Write-Config (Join-Path $b 'x.config') $broker.BootstrapServers
        $report = Test-MsiConnection -Config ./x.config -Timeout 10
        $report.Success | Should -BeTrue
        $report.BootstrapServers | Should -Be $broker.BootstrapServers
    }

    It 'a bare config name is looked for in the location first' {
        Write-Config (Join-Path $b 'x.config') $broker.BootstrapServers
        (Test-MsiConnection -Config x -Timeout 10).Success | Should -BeTrue
    }

    It 'Send-MsiDataFile -Path, -LiteralPath and -RootDirectory, and Receive-MsiDataFile -OutputDirectory and -LogFile' {
        $topic = New-TestTopic 'paths'
        New-TestFile (Join-Path $b 'data/sub/one.bin') 100 1 | Out-Null
        New-TestFile (Join-Path $b 'data/two.bin') 200 2 | Out-Null
        New-TestFile (Join-Path $a 'data/sub/one.bin') 999 9 | Out-Null # same names in the process directory
        $sent = @(Send-MsiDataFile -Path ./data/sub/*.bin -Topic $topic -RootDirectory ./data) + @(Send-MsiDataFile -LiteralPath ./data/two.bin -Topic $topic -RootDirectory ./data)
        $sent.RelativePath | Sort-Object | Should -Be @('sub/one.bin', 'two.bin')
        $sent | Where-Object RelativePath -eq 'sub/one.bin' | ForEach-Object Length | Should -Be 100
        $received = Receive-MsiDataFile -Topic $topic -OutputDirectory ./copy -Count 2 -IdleTimeout 30 -LogFile ./logs/receive.log
        $received.FullName | Sort-Object | Should -Be @((Join-Path $b 'copy/sub/one.bin'), (Join-Path $b 'copy/two.bin'))
        Join-Path $b 'logs/receive.log' | Should -Exist
        Join-Path $a 'copy' | Should -Not -Exist
        Join-Path $a 'logs' | Should -Not -Exist
    }

    It 'Start-MsiUploadDirectory -Path and -StateDirectory, and Get-MsiUploadState -Path and -StateDirectory' {
        $topic = New-TestTopic 'upload'
        New-TestFile (Join-Path $b 'watch/f.bin') 100 1 | Out-Null
        New-Item -ItemType Directory (Join-Path $a 'watch') | Out-Null
        $sent = Start-MsiUploadDirectory -Path ./watch -StateDirectory ./state -Topic $topic -UploadExisting -SettleTime 1 -Duration 8
        $sent.FullName | Should -Be (Join-Path $b 'watch/f.bin')
        Join-Path $b 'state' | Should -Exist
        Join-Path $a 'state' | Should -Not -Exist
        (Get-MsiUploadState -Path ./watch -StateDirectory ./state).RelativePath | Should -Be 'f.bin'
    }

    It 'Invoke-MsiStreamProcessor -OutputDirectory, -StateDirectory and a -Command with a relative path' {
        $topic = New-TestTopic 'process'
        Send-MsiDataFile -LiteralPath (New-TestFile (Join-Path $b 'in.bin') 10) -Topic $topic | Out-Null
        Set-Content -LiteralPath (Join-Path $b 'count.py') -Value "import sys, os`nprint(os.path.getsize(sys.argv[1]))"
        $result = Invoke-MsiStreamProcessor -Topic $topic -Mode Disk -OutputDirectory ./out -StateDirectory ./state -Command python3 -ArgumentList ./count.py, '{path}' -Count 1 -IdleTimeout 30
        $result.Status | Should -Be 'Processed'
        Join-Path $b 'out/in.bin' | Should -Exist
        Join-Path $b 'state' | Should -Exist
        Join-Path $a 'out' | Should -Not -Exist
    }

    It 'Start-MsiLocalBroker -ConfigPath and New-MsiCryptoNode -Path' {
        Stop-MsiLocalBroker
        try {
            $started = Start-MsiLocalBroker -ConfigPath ./local.config
            $started.ConfigPath | Should -Be (Join-Path $b 'local.config')
            Join-Path $b 'local.config' | Should -Exist
        }
        finally {
            Stop-MsiLocalBroker
            $script:broker = Start-MsiLocalBroker -Partitions 4 -ConfigPath (Join-Path (New-TestDirectory 'broker') 'local.config')
        }
        $rot = ConvertTo-SecureString 'root-of-trust-password' -AsPlainText -Force
        $prov = ConvertTo-SecureString 'provisioner' -AsPlainText -Force
        $node = New-MsiCryptoNode -NodeId paths_node -Role Producer -Topic lab -Path ./nodes -RootOfTrustPassword $rot -ProvisionerPassword $prov
        Join-Path $b 'nodes/paths_node/paths_node.config' | Should -Exist
        Join-Path $a 'nodes' | Should -Not -Exist
        $node.NodeId | Should -Be 'paths_node'
    }

    It 'a KafkaCrypto node named in a config file is found in the location, not the process directory' {
        $rot = ConvertTo-SecureString 'root-of-trust-password' -AsPlainText -Force
        $prov = ConvertTo-SecureString 'provisioner' -AsPlainText -Force
        New-MsiCryptoNode -NodeId here_node -Role ProducerConsumer -Topic lab -Path . -RootOfTrustPassword $rot -ProvisionerPassword $prov | Out-Null
        New-Item -ItemType Directory (Join-Path $b 'conf') | Out-Null
        Set-Content -LiteralPath (Join-Path $b 'conf/enc.config') -Value "[broker]`nbootstrap.servers = $($broker.BootstrapServers)`n[kafkacrypto]`nnode_id = here_node"
        $sent = Send-MsiDataFile -LiteralPath (New-TestFile (Join-Path $b 'secret.bin') 50) -Topic ('lab.' + (New-TestTopic 'paths')) -Config ./conf/enc.config
        $sent.Length | Should -Be 50
    }

    It 'Send-MsiUndecryptableMessage -Path names the missing path in the location' {
        Send-MsiUndecryptableMessage -Path ./missing -Config (Join-Path $b 'none.config') -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -Be 'FileNotFound,OpenMsiStream.PowerShell.Commands.SendMsiUndecryptableMessageCommand'
        $problems[0].Exception.Message | Should -BeLike "*$(Join-Path $b 'missing')*"
    }

    It 'Register-MsiService -CliPath, its script block''s paths and the config file it reads secrets from' {
        $env:OPENMSISTREAM_SERVICE_ROOT = New-TestDirectory 'service-root'
        try {
            Copy-Item -LiteralPath (Get-TestCli) -Destination (Join-Path $b 'openmsistream')
            New-Item -ItemType Directory (Join-Path $b 'watch') | Out-Null
            Write-Config (Join-Path $b 'lab.config') $broker.BootstrapServers
            $verbose = Register-MsiService paths-svc -Scope User -CliPath ./openmsistream { Start-MsiUploadDirectory -Path ./watch -Topic t -Config ./lab.config } -WhatIf -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            ($verbose.Message -join "`n") | Should -BeLike "*upload-directory $(Join-Path $b 'watch')*"
        }
        finally {
            Remove-Item Env:OPENMSISTREAM_SERVICE_ROOT
        }
    }
}
