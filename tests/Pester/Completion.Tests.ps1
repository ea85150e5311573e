#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Tab completion as PowerShell's own TabExpansion2 (what the console calls on Tab) sees it.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Support/TestSupport.psm1') -Force
    Import-ModuleUnderTest | Out-Null
    $script:broker = Start-MsiLocalBroker -Topic 'xrd-scans', 'lab.raw', 'results' -Partitions 1 -ConfigPath (Join-Path (New-TestDirectory 'broker') 'local.config')

    function script:Complete([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
    }
}

AfterAll {
    Stop-MsiLocalBroker -ErrorAction SilentlyContinue
}

Describe 'Tab completion' {
    BeforeEach {
        Use-OwnHome | Out-Null
        $work = New-TestDirectory 'completion'
        Push-Location -LiteralPath $work
    }

    AfterEach {
        Pop-Location
    }

    It '-Topic offers the topics of the embedded broker' {
        (Complete 'Send-MsiDataFile -Path x -Topic ').CompletionText | Should -Contain 'xrd-scans'
        (Complete 'Receive-MsiDataFile -Topic xr').CompletionText | Should -Be @('xrd-scans')
        # Not KafkaCrypto's key-exchange topics, which the embedded broker creates with every topic.
        (Complete 'Receive-MsiDataFile -Topic lab.r').CompletionText | Should -Be @('lab.raw')
        (Complete 'Get-MsiTopicFile xr').CompletionText | Should -Be @('xrd-scans')
        (Complete 'Get-MsiConsumerLag -Topic re').CompletionText | Should -Be @('results')
    }

    It '-GroupId of Get-MsiConsumerLag offers nothing on the embedded broker, which cannot list its groups, and asking does not crash it' {
        Receive-MsiDataFile -Topic results -GroupId results-archive -IdleTimeout 1 | Out-Null
        $output = & { Complete 'Get-MsiConsumerLag -Topic results -GroupId ' } *>&1
        $output | Should -BeNullOrEmpty
        # Asking it to list its groups would have crashed the broker and this process with it.
        (Get-MsiConsumerLag -Topic results -GroupId results-archive).GroupId | Should -Be @('results-archive')
    }

    It '-Topic offers the topics of the broker named by -Config (relative to the location) or -BootstrapServers' {
        # A second broker in a process of its own, known only through its config file.
        $other = Start-Process -FilePath (Get-TestCli) -ArgumentList 'local-broker', '--topic', 'other-scans', '--config-out', (Join-Path $work 'other.config') -PassThru -RedirectStandardOutput (Join-Path $work 'broker.out')
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while (-not (Test-Path -LiteralPath (Join-Path $work 'other.config')) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            (Complete 'Invoke-MsiStreamProcessor -Config ./other.config -Topic ').CompletionText | Should -Be @('other-scans')
            (Complete 'Invoke-MsiStreamProcessor -Config ./other.config -Topic other-').CompletionText | Should -Be @('other-scans')
            (Complete "Test-MsiConnection -BootstrapServers $($broker.BootstrapServers) -Topic xrd").CompletionText | Should -Be @('xrd-scans')
        }
        finally {
            $other.Kill()
            $other.WaitForExit()
        }
    }

    It '-Topic of an unreachable broker offers nothing, quickly, and prints nothing' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $output = & { Complete 'Receive-MsiDataFile -BootstrapServers 127.0.0.1:1 -Topic ' } *>&1
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        $output | Where-Object { $_ -isnot [System.Management.Automation.CompletionResult] } | Should -BeNullOrEmpty
        $output | Should -BeNullOrEmpty
    }

    It '-Config offers the *.config files and folders of the location' {
        New-TestConfig -Path (Join-Path $work 'lab.config') -BootstrapServers $broker.BootstrapServers | Out-Null
        New-TestConfig -Path (Join-Path $work 'local broker.config') -BootstrapServers $broker.BootstrapServers | Out-Null
        New-Item -ItemType Directory (Join-Path $work 'configs') | Out-Null
        New-TestConfig -Path (Join-Path $work 'configs/archive.config') -BootstrapServers $broker.BootstrapServers | Out-Null
        Set-Content -LiteralPath (Join-Path $work 'notes.txt') -Value 'not a config'
        (Complete 'Test-MsiConnection -Config ').CompletionText | Should -Be @('./lab.config', "'./local broker.config'", './configs/')
        (Complete 'Test-MsiConnection -Config ./configs/').CompletionText | Should -Be @('./configs/archive.config')
        (Complete 'Send-MsiDataFile -Config la').CompletionText | Should -Be @('./lab.config')
    }

    It '-Name of the service cmdlets offers the registered services of -Scope' {
        $env:OPENMSISTREAM_SERVICE_ROOT = New-TestDirectory 'service-root'
        try {
            Register-MsiService lab-upload -Scope User -CliPath (Get-TestCli) -ArgumentList 'upload-directory', $work, '--topic', 'lab', '--bootstrap-servers', $broker.BootstrapServers | Out-Null
            (Complete 'Get-MsiService -Scope User -Name ').CompletionText | Should -Be @('lab-upload')
            (Complete 'Stop-MsiService -Scope User lab').CompletionText | Should -Be @('lab-upload')
            (Complete 'Unregister-MsiService -Scope User -Name l').CompletionText | Should -Be @('lab-upload')
            (Complete 'Get-MsiService -Scope System -Name ').CompletionText | Should -BeNullOrEmpty
            Unregister-MsiService lab-upload -Scope User
        }
        finally {
            Remove-Item Env:OPENMSISTREAM_SERVICE_ROOT
        }
    }

    It '-ProgramId of Receive-MsiHeartbeat offers the programs that sent heartbeats' {
        Receive-MsiDataFile -Topic results -IdleTimeout 1 -HeartbeatTopic heartbeats -ProgramId xrd-uploader | Out-Null
        Receive-MsiDataFile -Topic results -IdleTimeout 1 -HeartbeatTopic heartbeats -ProgramId xrd-archiver | Out-Null
        (Complete 'Receive-MsiHeartbeat -Topic heartbeats -ProgramId xrd-').CompletionText | Should -Be @('xrd-archiver', 'xrd-uploader')
    }
}
