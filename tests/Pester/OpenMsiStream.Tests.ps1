#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Pester tests for machines that have pwsh (or Windows PowerShell 5.1) and Pester 5.
    Every behaviour here is also checked by a hosted-engine xunit test in
    tests/Unit/OpenMsiStream.PowerShell.Tests (named in each It block), which is what CI runs.
#>

BeforeAll {
    $repoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    Import-Module (Join-Path $repoRoot 'out/OpenMsiStream/OpenMsiStream.psd1') -Force
    $script:broker = Start-MsiLocalBroker -Partitions 4
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("openmsistream-pester-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $work | Out-Null
}

AfterAll {
    Stop-MsiLocalBroker -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Module OpenMsiStream -ErrorAction SilentlyContinue
}

Describe 'OpenMsiStream module' {
    It 'exports exactly its cmdlets (ModuleShapeTests.TheManifestIsValidAndExportsExactlyTheCmdlets)' {
        # Against the manifest's own list (19 cmdlets today), so the test cannot go stale as cmdlets are added.
        $expected = (Import-PowerShellDataFile (Join-Path $repoRoot 'OpenMsiStream.psd1')).CmdletsToExport | Sort-Object
        $expected.Count | Should -BeGreaterThan 0
        (Get-Command -Module OpenMsiStream).Name | Sort-Object | Should -Be $expected
    }

    It 'sends piped files and receives them byte-identical (SendReceiveTests.FileInfoObjectsPipedIntoSendComeBackFromReceiveByteIdentical)' {
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

    It '-WhatIf sends nothing (SendReceiveTests.WhatIfSendsNothingAndSaysWhatItWouldDo)' {
        $path = Join-Path $work 'whatif.dat'
        [IO.File]::WriteAllBytes($path, [byte[]](1..10))
        Send-MsiDataFile -Path $path -Topic 'pester-whatif' -BootstrapServers '127.0.0.1:1' -WhatIf | Should -BeNullOrEmpty
    }

    It 'reports a missing file as a non-terminating error with a stable id (SendReceiveTests.AMissingFileIsANonTerminatingErrorAndTheOthersAreSent)' {
        Send-MsiDataFile -LiteralPath (Join-Path $work 'missing.dat') -Topic 'pester-missing' -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -Be 'FileNotFound,OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand'
    }

    It 'explains an unreachable broker (BrokerAndConnectionTests.TestMsiConnectionExplainsAnUnreachableBroker)' {
        $report = Test-MsiConnection -BootstrapServers '127.0.0.1:1' -Timeout 5
        $report.Success | Should -BeFalse
        $report.ErrorId | Should -Be 'BrokerUnreachable'
    }
}
