"""What the test folders share: a throwaway user (`home`), STS at moto over HTTP (`moto`), a fake STS
gateway and a frozen clock (`fakes`), and a real terminal driven through tmux (`tmux`)."""
