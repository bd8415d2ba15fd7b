from vaultkit.fastcli import main

main()
