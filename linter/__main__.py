from eksa_lint.cli import main

main()
