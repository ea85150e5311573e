#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The module as a user gets it: exports, a round trip through the embedded broker, -WhatIf, error ids.
    Run by tests/Pester/Invoke-PesterSuite.ps1 against the laid-out module and the installed package.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Support/TestSupport.psm1') -Force
    $script:module = Import-ModuleUnderTest
    $script:repoRoot = Get-TestRepoRoot
    $script:broker = Start-MsiLocalBroker -Partitions 4
    $script:work = New-TestDirectory 'module'
}

AfterAll {
    Stop-MsiLocalBroker -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Module OpenMsiStream -ErrorAction SilentlyContinue
}

Describe 'OpenMsiStream module' {
    BeforeEach {
        Use-OwnHome | Out-Null
    }

    It 'exports exactly its cmdlets' {
        # Against the manifest's own list (21 cmdlets today), so the test cannot go stale as cmdlets are added.
        $expected = (Import-PowerShellDataFile (Join-Path $repoRoot 'OpenMsiStream.psd1')).CmdletsToExport | Sort-Object
        $module.ModuleBase | Should -Be (Split-Path -Parent (Get-ModuleUnderTest))
        $expected.Count | Should -BeGreaterThan 0
        (Get-Command -Module OpenMsiStream).Name | Sort-Object | Should -Be $expected
    }

    It 'sends piped files and receives them byte-identical' {
        $source = Join-Path $work 'source'
        $topic = 'pester-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        New-Item -ItemType Directory -Path (Join-Path $source 'sub dir') -Force | Out-Null
        [IO.File]::WriteAllBytes((Join-Path $source 'a.dat'), [byte[]](1..200))
        [IO.File]::WriteAllText((Join-Path $source 'sub dir/Größe; µm.csv'), "x,y`n1,2`n")

        $sent = Get-ChildItem -LiteralPath $source -File -Recurse | Send-MsiDataFile -Topic $topic -RootDirectory $source
        $received = Receive-MsiDataFile -Topic $topic -OutputDirectory (Join-Path $work 'out') -Count 2 -IdleTimeout 30

        $sent.Count | Should -Be 2
        $received.Count | Should -Be 2
        foreach ($file in $received) {
            $original = Join-Path $source $file.RelativePath
            (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA512).Hash | Should -Be (Get-FileHash -LiteralPath $original -Algorithm SHA512).Hash
            $file.Sha512 | Should -Be (Get-FileHash -LiteralPath $original -Algorithm SHA512).Hash.ToLowerInvariant()
        }
    }

    It '-WhatIf sends nothing' {
        $path = Join-Path $work 'whatif.dat'
        [IO.File]::WriteAllBytes($path, [byte[]](1..10))
        Send-MsiDataFile -Path $path -Topic 'pester-whatif' -BootstrapServers '127.0.0.1:1' -WhatIf | Should -BeNullOrEmpty
    }

    It 'reports a missing file as a non-terminating error with a stable id' {
        Send-MsiDataFile -LiteralPath (Join-Path $work 'missing.dat') -Topic 'pester-missing' -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -Be 'FileNotFound,OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand'
    }

    It 'explains an unreachable broker' {
        $report = Test-MsiConnection -BootstrapServers '127.0.0.1:1' -Timeout 5
        $report.Success | Should -BeFalse
        $report.ErrorId | Should -Be 'BrokerUnreachable'
    }
}
