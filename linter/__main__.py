from eksa_lint.entry import main

main()
